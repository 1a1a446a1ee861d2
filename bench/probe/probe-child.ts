/**
 * The foreground probe: a separate process playing the live application while a purge runs.
 * Each operation kind runs on its own connection at a fixed rate, and latency is measured from
 * the operation's *scheduled* start, so a stall also counts against the operations queued behind
 * it (no coordinated omission). Driven over IPC by ProbeClient.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import mysql from 'mysql2';
import { Redis } from 'ioredis';
import type { ProbeConfig, ProbeReply, ProbeRequest, ProbeWindow } from './probe-protocol.js';

/** What NOWAIT fails with on a locked row: MariaDB's ER_LOCK_WAIT_TIMEOUT, MySQL 8's ER_LOCK_NOWAIT. */
const LOCK_CONFLICT = new Set([1205, 3572]);

const config = JSON.parse(process.env.BENCH_PROBE ?? '{}') as ProbeConfig;
let window: ProbeWindow = { samples: {}, errors: {}, lockConflicts: 0 };
let paused = true;
let stopped = false;
let inFlight = 0;
let keptFrom = 0n;
let keptSpan = 1n;
const wakeups: Array<() => void> = [];

const send = (reply: ProbeReply) => process.send?.(reply);

function record(kind: string, ms: number, failed: boolean): void {
  (window.samples[kind] ??= []).push(ms);
  if (failed) window.errors[kind] = (window.errors[kind] ?? 0) + 1;
}

function randomKeptId(): string {
  return (keptFrom + (BigInt(Math.floor(Math.random() * 2 ** 40)) % keptSpan)).toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One operation kind at `rate` per second until stopped; pauses restart the schedule. */
async function loop(kind: string, rate: number, op: () => Promise<unknown>): Promise<void> {
  const interval = 1000 / rate;
  let next = performance.now();
  while (!stopped) {
    if (paused) {
      await new Promise<void>((resolve) => wakeups.push(resolve));
      next = performance.now();
      continue;
    }
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    if (paused || stopped) continue;
    const scheduled = next;
    next += interval;
    inFlight += 1;
    let failed = false;
    // A timer may fire a fraction of a ms early: an operation never counts from before it started.
    const from = Math.min(scheduled, performance.now());
    try {
      await op();
    } catch {
      failed = true;
    } finally {
      inFlight -= 1;
    }
    record(kind, performance.now() - from, failed);
  }
}

async function startMysql(c: Extract<ProbeConfig, { mode: 'mysql' }>): Promise<Array<{ close(): Promise<void> }>> {
  const table = mysql.escapeId(c.table);
  const open = () => createConnection({ uri: c.url, timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true });
  const [ins, sel, upd] = await Promise.all([open(), open(), open()]);
  const conns = [ins, sel, upd] as Connection[];
  void loop('insert', c.rate, () =>
    ins.query(`INSERT INTO ${table} (app_id, client_ip, interface_name, requested_at) VALUES (?, ?, 'probe', UTC_TIMESTAMP(3))`, [
      1400000000 + Math.floor(Math.random() * 500),
      Buffer.from([10, 0, 0, 1]),
    ]),
  );
  void loop('select', c.rate, () =>
    sel.query(`SELECT id, app_id, interface_name, requested_at FROM ${table} WHERE id = ?`, [randomKeptId()]),
  );
  // The UPDATE first tries the row lock without waiting, so that a lock the purge holds on a kept
  // row is counted here, on this table only (Innodb_row_lock_waits is server-wide), then waits for it.
  void loop('update', c.rate, async () => {
    const id = randomKeptId();
    await upd.query('BEGIN');
    try {
      try {
        await upd.query(`SELECT id FROM ${table} WHERE id = ? FOR UPDATE NOWAIT`, [id]);
      } catch (err) {
        if (!LOCK_CONFLICT.has((err as { errno?: number }).errno ?? 0)) throw err;
        window.lockConflicts += 1;
        await upd.query(`SELECT id FROM ${table} WHERE id = ? FOR UPDATE`, [id]);
      }
      await upd.query(`UPDATE ${table} SET interface_name = ? WHERE id = ?`, [`probe-${Date.now() % 1000}`, id]);
      await upd.query('COMMIT');
    } catch (err) {
      await upd.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
  return conns.map((conn) => ({ close: () => conn.end() }));
}

async function startRedis(c: Extract<ProbeConfig, { mode: 'redis' }>): Promise<Array<{ close(): Promise<void> }>> {
  const redis = new Redis(c.url, { maxRetriesPerRequest: 1 });
  void loop('get', c.rate, () => redis.get(c.keys[Math.floor(Math.random() * c.keys.length)] ?? 'none'));
  return [{ close: async () => void redis.disconnect() }];
}

const closers = config.mode === 'mysql' ? await startMysql(config) : await startRedis(config);

process.on('message', (message: ProbeRequest) => {
  void (async () => {
    switch (message.type) {
      case 'pause':
        paused = true;
        while (inFlight > 0) await sleep(5);
        break;
      case 'resume':
        if (message.keptIds) {
          keptFrom = BigInt(message.keptIds.from);
          keptSpan = BigInt(message.keptIds.to) - keptFrom + 1n;
        }
        paused = false;
        for (const wake of wakeups.splice(0)) wake();
        break;
      case 'mark':
        window = { samples: {}, errors: {}, lockConflicts: 0 };
        break;
      case 'collect':
        send({ type: 'window', id: message.id, window });
        return;
      case 'stop':
        stopped = true;
        paused = false;
        for (const wake of wakeups.splice(0)) wake();
        while (inFlight > 0) await sleep(5);
        for (const c of closers) await c.close();
        send({ type: 'ack', id: message.id });
        process.disconnect();
        return;
    }
    send({ type: 'ack', id: message.id });
  })();
});
send({ type: 'ready' });
