/** Messages between the bench and its foreground probe process. */

export interface MysqlProbeConfig {
  mode: 'mysql';
  /** `mysql://…/<database>`. */
  url: string;
  table: string;
  /** Operations per second of each kind (INSERT, SELECT, UPDATE). */
  rate: number;
}

export interface RedisProbeConfig {
  mode: 'redis';
  url: string;
  /** GETs per second. */
  rate: number;
  /** Keys the GET loop picks from (kept keys). */
  keys: string[];
}

export type ProbeConfig = MysqlProbeConfig | RedisProbeConfig;

export type ProbeRequest =
  /** Stop issuing operations; answered once none is in flight. */
  | { type: 'pause'; id: number }
  /** Start again; for MySQL, the ids of kept rows the SELECTs and UPDATEs pick from. */
  | { type: 'resume'; id: number; keptIds?: { from: string; to: string } }
  /** Start a new measurement window (samples of the previous one are dropped). */
  | { type: 'mark'; id: number }
  /** The samples of the window since the last mark. */
  | { type: 'collect'; id: number }
  | { type: 'stop'; id: number };

/** Latencies in ms, per operation kind, measured from each operation's scheduled start. */
export interface ProbeWindow {
  samples: Record<string, number[]>;
  errors: Record<string, number>;
  /** UPDATEs that found their kept row locked (a NOWAIT lock attempt failed) and had to wait. */
  lockConflicts: number;
}

export type ProbeReply = { type: 'ack'; id: number } | { type: 'window'; id: number; window: ProbeWindow } | { type: 'ready' };
