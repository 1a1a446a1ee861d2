import mysql from 'mysql2';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { MysqlPartitionsConfig } from '../../config/schema.js';
import type { PartitionChange } from '../../types.js';
import { mapConcurrent } from '../../lib/map-concurrent.js';
import type { AgeTargetPlan } from './check-target.js';
import { unusablePredicate } from './due-predicate.js';
import { boundText, whollyDue, type PartitionLayout, type RangePartition } from './partition-layout.js';
import { dropStagingTables } from './staging-tables.js';
import type { MysqlStoreContext } from './store-context.js';

/** ER_LOCK_WAIT_TIMEOUT: the metadata lock was not granted within `lock_wait_timeout`. */
const LOCK_WAIT_TIMEOUT = 1205;

/**
 * The partitions a purge removes whole: every partition whose every possible row is before the
 * cutoff (see whollyDue), except the table's last partition, which MySQL will not drop
 * ("cannot remove all partitions") and which the row walk empties instead.
 */
export function duePartitions(plan: AgeTargetPlan, layout: PartitionLayout, cutoff: Date): RangePartition[] {
  return layout.partitions.slice(0, -1).filter((p) => whollyDue(plan, p, cutoff));
}

/** Exact row count of one partition (`COUNT(*)`, not TABLE_ROWS' estimate). */
export async function countPartitionRows(ctx: MysqlStoreContext, plan: AgeTargetPlan, partition: string): Promise<number> {
  const [rows] = await ctx.pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${mysql.escapeId(plan.table)} PARTITION (${mysql.escapeId(partition)})`,
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Exact row counts of the partitions, in their order, `concurrency` of them at once, each on its
 * own connection of the pool: one InnoDB scan runs on one server thread and, once its pages have
 * left the buffer pool, waits on one read at a time (measured, 7 partitions / 900 k rows of a 2 M
 * row table, pages evicted first, 2-core box at load 4-5, median of 5: 188 ms one at a time,
 * 142 ms two, 114 ms three). Each scan already reads the narrowest index: EXPLAIN
 * of `COUNT(*) … PARTITION (p)` shows `type index` on the secondary time index (its entries are
 * the time and the primary key, a third of the clustered rows' size); forcing PRIMARY measured
 * twice as slow, so no hint is given.
 */
export async function countPartitions(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  partitions: readonly RangePartition[],
  concurrency: number,
): Promise<number[]> {
  return mapConcurrent(partitions, concurrency, (p) => countPartitionRows(ctx, plan, p.name));
}

/**
 * Runs DDL without letting it queue the application: the session's metadata lock wait is cut to
 * `lockWaitSeconds` and the tables are taken with `LOCK TABLES … WRITE` first, so a long
 * transaction holding one makes the statement give up (ER_LOCK_WAIT_TIMEOUT, returned as false)
 * instead of waiting while every new query on the table waits behind it. `inside` runs under the
 * lock; the lock is always released and the session's old timeout restored. Name one staging table
 * at most beside the partitioned table: MariaDB 10.11 stalls an exchange under `LOCK TABLES`
 * naming several (it waits on its own session's table lock until innodb_lock_wait_timeout).
 */
async function underShortLock(
  ctx: MysqlStoreContext,
  tables: readonly string[],
  lockWaitSeconds: number,
  inside: (conn: PoolConnection) => Promise<void>,
): Promise<boolean> {
  const conn = await ctx.pool.getConnection();
  let reusable = true;
  try {
    const [saved] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.lock_wait_timeout AS t');
    const previous = Number(saved[0]?.t ?? 5);
    await conn.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(lockWaitSeconds))}`);
    try {
      await conn.query(`LOCK TABLES ${tables.map((t) => `${mysql.escapeId(t)} WRITE`).join(', ')}`);
      try {
        await inside(conn);
      } finally {
        await conn.query('UNLOCK TABLES');
      }
      return true;
    } catch (err) {
      if ((err as { errno?: number }).errno === LOCK_WAIT_TIMEOUT) return false;
      throw err;
    } finally {
      await conn.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(previous))}`);
    }
  } catch (err) {
    reusable = false;
    throw err;
  } finally {
    if (reusable) conn.release();
    else conn.destroy();
  }
}

/** What removePartitions did, and how long its DDL took. */
export interface PartitionRemoval {
  changes: PartitionChange[];
  /** From the first lock request to the end of the last statement: pauses and staging drops included. */
  ddlMs: number;
  /** The longest one statement held (or waited for) the partitioned table. */
  longestLockMs: number;
  /** How long each statement held (or waited for) it, in order: the exchanges, then the drop. */
  locksMs: number[];
}

/** A wholly due partition and its exact row count (countPartitions). */
export interface CountedPartition {
  partition: RangePartition;
  rows: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Removes the counted partitions (`drop`, or `truncate` by option) holding the table a few
 * milliseconds at a time: one partition after the other, under the short lock, `EXCHANGE
 * PARTITION` swaps it with an empty staging table (createStagingTables); one `DROP PARTITION`
 * of the emptied partitions follows (`drop`); then `DROP TABLE` of the staging tables frees the
 * rows' files, outside the table's lock. Between two statements that lock the table at least
 * `ddlPauseMs` pass, so the queries queued behind one run before the next. Measured on 10 M rows
 * (seven 700 k-row partitions, MariaDB 10.11, ext4, 2-core box, idle): one `DROP PARTITION` of all
 * seven held the table 178 ms, of which `close()` of the unlinked files took most (strace: 8–26 ms
 * a file); one `DROP PARTITION` per partition 27–37 ms each; an exchange 4–6 ms, the empty
 * partitions' drop 5–6 ms, a staging table's drop 28–31 ms without holding the table.
 *
 * Under the lock, before its exchange, one index probe per partition makes sure it holds no row
 * whose time is a zero date or NULL: RANGE partitioning files those in the first partition, and a
 * policy never deletes a row it cannot date, so such a partition is left to the row walk.
 *
 * The counts are taken before, outside the lock (a count under the lock would hold the table for
 * its whole scan), so a partition's count and its removal are not one atomic step: docs/audit.md
 * states the window. When the lock wait gives up, that partition and the ones after it are left
 * to the row walk (`metadata-lock-timeout`); partitions already emptied whose final drop gives up
 * are reported `truncated` (their rows are gone; the empty partition is dropped next run). Without
 * staging tables (`staging` null: the server refused to create them) the partitions go in one
 * `DROP`/`TRUNCATE PARTITION` statement, as before the exchange.
 */
export async function removePartitions(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  partitions: readonly CountedPartition[],
  options: MysqlPartitionsConfig,
  staging: readonly string[] | null,
): Promise<PartitionRemoval> {
  const counted: PartitionChange[] = partitions.map(({ partition, rows }) => ({
    name: partition.name,
    rows,
    lessThan: partition.lessThan,
    action: 'skipped',
    ...(options.action === 'truncate' && rows === 0 ? { reason: 'empty' } : {}),
  }));
  const candidates = counted.filter((c) => c.reason === undefined);
  // Empty partitions left by `truncate` stay empty run after run: not worth an entry each time.
  const reported = () => counted.filter((c) => c.reason !== 'empty' && c.reason !== 'staging-not-dropped');
  const timing = { started: performance.now(), locksMs: [] as number[], lastUnlock: 0 };
  const result = (): PartitionRemoval => ({
    changes: reported(),
    ddlMs: candidates.length === 0 ? 0 : Math.round(performance.now() - timing.started),
    longestLockMs: Math.round(Math.max(0, ...timing.locksMs)),
    locksMs: timing.locksMs.map((ms) => Math.round(ms)),
  });
  if (candidates.length === 0) return result();
  const locked = async (tables: string[], inside: (conn: PoolConnection) => Promise<void>): Promise<boolean> => {
    const wait = timing.lastUnlock + options.ddlPauseMs - performance.now();
    if (timing.lastUnlock > 0 && wait > 0) await sleep(wait);
    const before = performance.now();
    try {
      return await underShortLock(ctx, tables, options.lockWaitSeconds, inside);
    } finally {
      timing.lastUnlock = performance.now();
      timing.locksMs.push(timing.lastUnlock - before);
    }
  };
  if (staging === null) {
    await removeInOneStatement(plan, candidates, options, locked);
    return result();
  }
  const exchanged = await exchangeEach(ctx, plan, candidates, staging, locked);
  const emptied = exchanged.map((e) => e.change);
  try {
    if (options.action === 'drop' && emptied.length > 0) {
      const names = emptied.map((c) => mysql.escapeId(c.name)).join(', ');
      let dropped = false;
      try {
        dropped = await locked([plan.table], async (conn) => {
          await conn.query(`ALTER TABLE ${mysql.escapeId(plan.table)} DROP PARTITION ${names}`);
        });
      } catch (err) {
        ctx.logger.warn({ err, partitions: emptied.map((c) => c.name) }, 'emptied partitions not dropped: the next run drops them');
      }
      for (const c of emptied) {
        c.action = dropped ? 'dropped' : 'truncated';
        if (!dropped) c.reason = 'emptied-not-dropped';
      }
    } else {
      for (const c of emptied) c.action = 'truncated';
    }
  } finally {
    await dropEmptiedStaging(ctx, staging, exchanged);
  }
  return result();
}

type Locked = (tables: string[], inside: (conn: PoolConnection) => Promise<void>) => Promise<boolean>;

/** True when the partition holds a row whose time it cannot judge (a zero date, NULL); see removePartitions. */
async function holdsUnusableTimes(conn: PoolConnection, plan: AgeTargetPlan, partition: string): Promise<boolean> {
  if (!plan.time.nullable && plan.timeFormat !== 'datetime') return false;
  const probe = unusablePredicate(plan);
  const [found] = await conn.query<RowDataPacket[]>(
    `SELECT 1 FROM ${mysql.escapeId(plan.table)} PARTITION (${mysql.escapeId(partition)}) WHERE ${probe.sql} LIMIT 1`,
    probe.params,
  );
  return found.length > 0;
}

/**
 * Exchanges each candidate with its staging table; returns the emptied ones. Stops at the first
 * partition it cannot exchange (lock wait given up, or the statement failed: the partition
 * vanished, say) and leaves it and the rest to the row walk. A failed statement may still have
 * exchanged (a connection lost after the server did it): the staging table says so. The staging
 * tables are not dropped here but by dropEmptiedStaging, after the last statement that locks the
 * table: freeing a file leaves ext4 a journal commit to make, and the next statement's fsyncs
 * waited for it while holding the table (measured, a 2-core box under load: exchanges right
 * after a staging table's drop held the table 15–138 ms, against 4–6 ms otherwise).
 */
async function exchangeEach(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  candidates: readonly PartitionChange[],
  staging: readonly string[],
  locked: Locked,
): Promise<Array<{ change: PartitionChange; stage: string }>> {
  const table = mysql.escapeId(plan.table);
  const emptied: Array<{ change: PartitionChange; stage: string }> = [];
  let stop: string | null = null;
  for (const [i, c] of candidates.entries()) {
    const stage = staging[i];
    if (stop !== null || stage === undefined) {
      c.reason = stop ?? 'no-staging-table';
      continue;
    }
    let unusable = false;
    let exchanged: boolean;
    try {
      exchanged = await locked([plan.table, stage], async (conn) => {
        unusable = await holdsUnusableTimes(conn, plan, c.name);
        if (!unusable)
          await conn.query(`ALTER TABLE ${table} EXCHANGE PARTITION ${mysql.escapeId(c.name)} WITH TABLE ${mysql.escapeId(stage)}`);
      });
      if (!exchanged) stop = 'metadata-lock-timeout';
    } catch (err) {
      exchanged = await holdsRows(ctx, stage).catch(() => false);
      stop = 'exchange-failed';
      ctx.logger.warn({ err, partition: c.name, exchanged }, 'partition exchange failed: the rest are left to the row walk');
    }
    if (!exchanged) c.reason = stop ?? 'exchange-failed';
    else if (unusable) c.reason = 'unusable-time-rows';
    else emptied.push({ change: c, stage });
  }
  return emptied;
}

/**
 * Drops every staging table of the run; an emptied partition whose staging table the server would
 * not drop is not reported: its rows wait there, and the next run counts, drops and reports them
 * (`left-by-interrupted-run`).
 */
async function dropEmptiedStaging(
  ctx: MysqlStoreContext,
  staging: readonly string[],
  emptied: ReadonlyArray<{ change: PartitionChange; stage: string }>,
): Promise<void> {
  if (await dropStagingTables(ctx, staging)) return;
  for (const { change, stage } of emptied) {
    if (!(await dropStagingTables(ctx, [stage]))) change.reason = 'staging-not-dropped';
  }
}

async function holdsRows(ctx: MysqlStoreContext, table: string): Promise<boolean> {
  const [rows] = await ctx.pool.query<RowDataPacket[]>(`SELECT 1 FROM ${mysql.escapeId(table)} LIMIT 1`);
  return rows.length > 0;
}

/** The partitions in one `DROP`/`TRUNCATE PARTITION`, the probe under the same lock (no staging tables). */
async function removeInOneStatement(
  plan: AgeTargetPlan,
  candidates: readonly PartitionChange[],
  options: MysqlPartitionsConfig,
  locked: Locked,
): Promise<void> {
  const chosen: PartitionChange[] = [];
  const done = await locked([plan.table], async (conn) => {
    for (const c of candidates) {
      if (await holdsUnusableTimes(conn, plan, c.name)) c.reason = 'unusable-time-rows';
      else chosen.push(c);
    }
    if (chosen.length === 0) return;
    const names = chosen.map((c) => mysql.escapeId(c.name)).join(', ');
    await conn.query(`ALTER TABLE ${mysql.escapeId(plan.table)} ${options.action === 'truncate' ? 'TRUNCATE' : 'DROP'} PARTITION ${names}`);
  });
  for (const c of candidates) {
    if (!done) c.reason = 'metadata-lock-timeout';
    else if (c.reason === undefined) c.action = options.action === 'truncate' ? 'truncated' : 'dropped';
  }
}

/** The start (UTC) of the interval holding `ms`: midnight, Monday midnight, or the 1st of the month. */
export function intervalStart(ms: number, interval: MysqlPartitionsConfig['interval']): number {
  const d = new Date(ms);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (interval === 'day') return midnight;
  if (interval === 'week') return midnight - ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The start of the interval after the one starting at `start`. */
export function nextIntervalStart(start: number, interval: MysqlPartitionsConfig['interval']): number {
  if (interval === 'day') return start + 86_400_000;
  if (interval === 'week') return start + 7 * 86_400_000;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** A new partition to split off MAXVALUE: holds [fromMs, toMs). */
export interface PlannedPartition {
  name: string;
  fromMs: number;
  toMs: number;
  lessThan: string;
}

/**
 * The partitions pre-creation adds so that partitions exist up to the end of the `premake`-th
 * interval after the current one. Each starts where the previous bound ends and ends on an
 * interval boundary; names are `p` + the UTC date of their first day (`p20260104`), suffixed
 * when the table already uses the name. Empty when the table is covered far enough, or when its
 * last partition is not MAXVALUE (nothing to split: the caller says so).
 */
export function planPremake(plan: AgeTargetPlan, layout: PartitionLayout, now: Date, options: MysqlPartitionsConfig): PlannedPartition[] {
  const last = layout.partitions.at(-1);
  if (options.premake <= 0 || !last || last.boundMs !== null) return [];
  const finite = layout.partitions.filter((p) => p.boundMs !== null);
  let horizon = intervalStart(now.getTime(), options.interval);
  for (let i = 0; i <= options.premake; i += 1) horizon = nextIntervalStart(horizon, options.interval);
  let from = finite.at(-1)?.boundMs ?? intervalStart(now.getTime(), options.interval);
  const taken = new Set(layout.partitions.map((p) => p.name.toLowerCase()));
  const planned: PlannedPartition[] = [];
  while (from < horizon) {
    const to = nextIntervalStart(intervalStart(from, options.interval), options.interval);
    let name = `p${new Date(from).toISOString().slice(0, 10).replaceAll('-', '')}`;
    for (let n = 1; taken.has(name.toLowerCase()); n += 1) name = `${name.replace(/_\d+$/, '')}_${n}`;
    taken.add(name.toLowerCase());
    planned.push({ name, fromMs: from, toMs: to, lessThan: boundText(plan, layout.fn, to) });
    from = to;
  }
  return planned;
}

/**
 * Splits the planned partitions off the MAXVALUE partition in one `REORGANIZE PARTITION`, under
 * the same short lock wait as drops. Refuses to (returns a skipped change) when the MAXVALUE
 * partition already holds rows below the new bounds: reorganizing would copy them while the
 * table is locked.
 */
export async function premakePartitions(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  layout: PartitionLayout,
  planned: PlannedPartition[],
  options: MysqlPartitionsConfig,
): Promise<PartitionChange[]> {
  const top = layout.partitions.at(-1);
  const highest = planned.at(-1);
  if (!top || !highest) return [];
  const table = mysql.escapeId(plan.table);
  const skipped = (reason: string): PartitionChange[] =>
    planned.map((p) => ({ name: p.name, action: 'skipped', rows: 0, lessThan: p.lessThan, reason }));
  const [below] = await ctx.pool.query<RowDataPacket[]>(
    `SELECT 1 FROM ${table} PARTITION (${mysql.escapeId(top.name)}) WHERE ${mysql.escapeId(plan.time.name)} < ${timeLiteral(plan, highest.toMs)} LIMIT 1`,
  );
  if (below.length > 0) return skipped('maxvalue-partition-holds-rows');
  const parts = planned.map((p) => `PARTITION ${mysql.escapeId(p.name)} VALUES LESS THAN (${p.lessThan})`);
  // `(MAXVALUE)` is the form RANGE COLUMNS requires, and RANGE accepts it too.
  parts.push(`PARTITION ${mysql.escapeId(top.name)} VALUES LESS THAN (MAXVALUE)`);
  const locked = await underShortLock(ctx, [plan.table], options.lockWaitSeconds, async (conn) => {
    await conn.query(`ALTER TABLE ${table} REORGANIZE PARTITION ${mysql.escapeId(top.name)} INTO (${parts.join(', ')})`);
  });
  if (!locked) return skipped('metadata-lock-timeout');
  return planned.map((p) => ({ name: p.name, action: 'created', rows: 0, lessThan: p.lessThan }));
}

/** An instant as a literal comparable with the time column. */
function timeLiteral(plan: AgeTargetPlan, ms: number): string {
  if (plan.timeFormat === 'epoch_ms') return String(ms);
  if (plan.timeFormat === 'epoch_s') return String(Math.floor(ms / 1000));
  return mysql.escape(new Date(ms).toISOString().slice(0, 23).replace('T', ' '));
}
