import type { ChainableCommander, Redis } from 'ioredis';

const MINUTE_MS = 60_000;
const DAY_MS = 1440 * MINUTE_MS;
const PIPELINE = 5000;

/** `yyyyMMddHHmm` in UTC, the time the worker's `fromKey` reads back. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

/**
 * The monitoring keys: one string per app and minute over 4 days' worth of minutes, half due.
 * The due half is the two whole UTC days before the cutoff's day, so that two SCAN patterns
 * (`im:mon:*:<day>*`) cover exactly the due keys for the redis-cli baseline; the kept half starts an
 * hour after the cutoff, so the bench's own minutes never make a kept key due.
 */
export class MonitoringKeys {
  readonly perMinute: number;
  readonly dueMinutes: number[];
  readonly keptMinutes: number[];
  readonly duePatterns: string[];

  constructor(total: number, cutoffMs: number) {
    this.perMinute = Math.max(1, Math.round(total / 5760));
    const cutoffDay = Math.floor(cutoffMs / DAY_MS) * DAY_MS;
    const dueStart = cutoffDay - 2 * DAY_MS;
    const keptStart = Math.ceil((cutoffMs + 60 * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
    this.dueMinutes = Array.from({ length: 2880 }, (_, i) => dueStart + i * MINUTE_MS);
    this.keptMinutes = Array.from({ length: 2880 }, (_, i) => keptStart + i * MINUTE_MS);
    this.duePatterns = [0, 1].map((d) => `im:mon:*:${stamp(dueStart + d * DAY_MS).slice(0, 8)}*`);
  }

  get dueCount(): number {
    return this.dueMinutes.length * this.perMinute;
  }

  get keptCount(): number {
    return this.keptMinutes.length * this.perMinute;
  }

  keyOf(app: number, minuteMs: number): string {
    return `im:mon:${1400000000 + app}:sendmsg:${stamp(minuteMs)}`;
  }

  /** Some kept keys, for the GET loop. */
  sampleKept(count: number): string[] {
    return Array.from({ length: count }, (_, i) =>
      this.keyOf(i % this.perMinute, this.keptMinutes[(i * 7919) % this.keptMinutes.length] as number),
    );
  }

  /** Writes the keys of these minutes (SET, or SET … PXAT `expireAtMs`). */
  async write(redis: Redis, which: 'due' | 'all', expireAtMs?: number): Promise<number> {
    const minutes = which === 'due' ? this.dueMinutes : [...this.dueMinutes, ...this.keptMinutes];
    let pipeline = redis.pipeline();
    let queued = 0;
    let written = 0;
    for (const minute of minutes) {
      for (let app = 0; app < this.perMinute; app += 1) {
        const value = `{"total":${app + 1},"ok":${app},"avgMs":12}`;
        if (expireAtMs === undefined) pipeline.set(this.keyOf(app, minute), value);
        else pipeline.set(this.keyOf(app, minute), value, 'PXAT', expireAtMs);
        queued += 1;
        if (queued === PIPELINE) {
          await execOrThrow(pipeline);
          written += queued;
          pipeline = redis.pipeline();
          queued = 0;
        }
      }
    }
    if (queued > 0) await execOrThrow(pipeline);
    return written + queued;
  }
}

/**
 * Request-log sorted sets and exception streams, half each, every one with `members` records: half
 * older than `cutoffMs` by 1…5 days, half newer. Returns the number of due records written.
 */
export async function writeCollections(
  redis: Redis,
  collections: number,
  members: number,
  cutoffMs: number,
): Promise<{ due: number; total: number }> {
  let pipeline = redis.pipeline();
  let queued = 0;
  let due = 0;
  let total = 0;
  const flush = async (force: boolean) => {
    if (queued >= 500 || (force && queued > 0)) {
      await execOrThrow(pipeline);
      pipeline = redis.pipeline();
      queued = 0;
    }
  };
  const times = (i: number) =>
    Array.from({ length: members }, (_, m) =>
      m < members / 2 ? cutoffMs - DAY_MS * (1 + ((i + m) % 5)) - m * 1000 : cutoffMs + DAY_MS * (1 + ((i + m) % 5)) + m * 1000,
    ).sort((a, b) => a - b);
  for (let i = 0; i < collections; i += 1) {
    const app = 1400000000 + i;
    const list = times(i);
    if (i % 2 === 0) {
      const args = list.flatMap((t, m) => [t, `{"ip":"10.0.${m}.1","interface":"sendmsg","n":${m}}`]);
      pipeline.zadd(`im:reqlog:${app}`, ...args);
    } else {
      for (const [m, t] of list.entries())
        pipeline.xadd(`im:exception:${app}`, `${t}-${m}`, 'interface', 'sendmsg', 'cause', 'upstream timeout');
    }
    due += list.filter((t) => t < cutoffMs).length;
    total += list.length;
    queued += 1;
    await flush(false);
  }
  await flush(true);
  return { due, total };
}

/** pipeline.exec() reports a failed command in its reply, not by throwing: a failed load must not look loaded. */
async function execOrThrow(pipeline: ChainableCommander): Promise<void> {
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([err]) => err);
  if (failed) throw failed[0] as Error;
}
