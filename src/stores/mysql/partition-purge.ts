import mysql from 'mysql2';
import pLimit from 'p-limit';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { MysqlPartitionsConfig } from '../../config/schema.js';
import type { PartitionChange } from '../../types.js';
import { mapConcurrent } from '../../lib/map-concurrent.js';
import type { AgeTargetPlan } from './check-target.js';
import { unusablePredicate } from './due-predicate.js';
import { boundText, whollyDue, type PartitionLayout, type RangePartition } from './partition-layout.js';
import { countRows, holdsRows } from './row-probes.js';
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
  return mapConcurrent(partitions, concurrency, (p) => countRows(ctx.pool, plan.table, [p.name]));
}

/**
 * Runs DDL without letting it queue the application: the session's metadata lock wait is cut to
 * `lockWaitSeconds` and the tables are taken with `LOCK TABLES … WRITE` first, so a long
 * transaction holding one makes the statement give up (ER_LOCK_WAIT_TIMEOUT, returned as false)
 * instead of waiting while every new query on the table waits behind it. `inside` runs under the
 * lock; the lock is always released and the session's old timeout restored. `held` is told how long
 * the tables were held or waited for, from the `LOCK TABLES` request to the `UNLOCK TABLES` answer
 * (what the application's queries on the table can have waited), not the session's own set-up
 * around it. Name one staging table at most beside the partitioned table: MariaDB 10.11 stalls an
 * exchange under `LOCK TABLES` naming several (it waits on its own session's table lock until
 * innodb_lock_wait_timeout).
 */
async function underShortLock(
  ctx: MysqlStoreContext,
  tables: readonly string[],
  lockWaitSeconds: number,
  inside: (conn: PoolConnection) => Promise<void>,
  held: (ms: number) => void = () => undefined,
): Promise<boolean> {
  const conn = await ctx.pool.getConnection();
  let reusable = true;
  try {
    const [saved] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.lock_wait_timeout AS t');
    const previous = Number(saved[0]?.t ?? 5);
    await conn.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(lockWaitSeconds))}`);
    const requested = performance.now();
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
      held(performance.now() - requested);
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

/** What a removal did, and how long its DDL took. */
export interface PartitionRemoval {
  changes: PartitionChange[];
  /**
   * From the first lock request to the end of the removal: pauses included, and with exchanges
   * the staging tables' counts and drops, which run beside the locking statements.
   */
  ddlMs: number;
  /** With exchanges: from the first staging table's count to the last one's end (within ddlMs); else 0. */
  countMs: number;
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

type Locked = (tables: string[], inside: (conn: PoolConnection) => Promise<void>) => Promise<boolean>;

/**
 * underShortLock, with at least `ddlPauseMs` between two statements that lock the table (so the
 * queries queued behind one run before the next) and each statement's hold timed.
 */
function pacedLocks(ctx: MysqlStoreContext, options: MysqlPartitionsConfig) {
  const timing = { started: performance.now(), locksMs: [] as number[], lastUnlock: 0 };
  const locked: Locked = async (tables, inside) => {
    const wait = timing.lastUnlock + options.ddlPauseMs - performance.now();
    if (timing.lastUnlock > 0 && wait > 0) await sleep(wait);
    try {
      return await underShortLock(ctx, tables, options.lockWaitSeconds, inside, (ms) => timing.locksMs.push(ms));
    } finally {
      timing.lastUnlock = performance.now();
    }
  };
  const removal = (changes: PartitionChange[], countMs: number): PartitionRemoval => ({
    changes,
    ddlMs: timing.locksMs.length === 0 ? 0 : Math.round(performance.now() - timing.started),
    countMs: Math.round(countMs),
    longestLockMs: Math.round(Math.max(0, ...timing.locksMs)),
    locksMs: timing.locksMs.map((ms) => Math.round(ms)),
  });
  return { locked, removal };
}

/** Reasons whose partition is left out of the audit entry (see removePartitions). */
const UNREPORTED = new Set(['empty', 'staging-not-dropped', 'staging-not-counted']);

/**
 * Removes the wholly due partitions (`drop`, or `truncate` by option) holding the table a few
 * milliseconds at a time, and counts exactly the rows it removed. One partition after the other,
 * under the short lock, `EXCHANGE PARTITION` swaps it with an empty staging table
 * (createStagingTables): the partition's rows are then in that table, out of the application's
 * way, and `COUNT(*)` of it (`countConcurrency` at a time, started as each exchange ends, beside
 * the next exchanges) is exactly what the exchange took out of the table. One `DROP PARTITION` of
 * the emptied partitions follows (`drop`), between two counts (the running ones end, the next
 * waits), under the same lock as a count of what the application wrote into them since their
 * exchange (normally nothing; added to their rows); then each staging table is dropped once
 * counted, outside the table's lock, freeing the rows' files. Measured on
 * 10 M rows (seven 700 k-row partitions, MariaDB 10.11, ext4, 2-core box, idle): one `DROP
 * PARTITION` of all seven held the table 178 ms, of which `close()` of the unlinked files took most
 * (strace: 8–26 ms a file); an exchange 4–6 ms, the empty partitions' drop 5–6 ms, a staging
 * table's drop 28–31 ms without holding the table.
 *
 * Under the lock, before its exchange, one index probe per partition makes sure it holds no row
 * whose time is a zero date or NULL: RANGE partitioning files those in the first partition, and a
 * policy never deletes a row it cannot date, so such a partition is left to the row walk. A
 * partition found empty is not exchanged: `truncate` leaves it (no entry), `drop` drops it with
 * the emptied ones.
 *
 * When a lock wait gives up, that partition and the ones after it are left to the row walk
 * (`skipped`, `metadata-lock-timeout`, rows 0: the walk counts what it deletes); emptied
 * partitions whose final drop gives up are reported `truncated` (`emptied-not-dropped`: their rows
 * are gone and counted; the empty partition is dropped by a later run). A staging table whose count
 * fails, or that the server will not drop, keeps its rows and is left out of this run's entry: the
 * next run counts, drops and reports it (`left-by-interrupted-run`, dropLeftoverStaging).
 */
export async function removePartitions(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  partitions: readonly RangePartition[],
  options: MysqlPartitionsConfig,
  staging: readonly string[],
): Promise<PartitionRemoval> {
  const { locked, removal } = pacedLocks(ctx, options);
  const changes: PartitionChange[] = partitions.map((p) => ({ name: p.name, rows: 0, lessThan: p.lessThan, action: 'skipped' }));
  const emptyAlready = new Set<PartitionChange>();
  for (const c of changes) {
    // A failed probe (the partition vanished, say) leaves the partition to its exchange, which says why.
    if (await holdsRows(ctx.pool, plan.table, [c.name]).catch(() => true)) continue;
    if (options.action === 'truncate') c.reason = 'empty';
    else emptyAlready.add(c);
  }
  const counts = countEachExchanged(ctx, options.countConcurrency);
  const { exchanged, stop } = await exchangeEach(ctx, plan, changes, staging, emptyAlready, locked, counts.start);
  try {
    if (options.action === 'drop' && stop === 'metadata-lock-timeout') {
      // A transaction holds the table: another lock request would queue the application again.
      for (const { change } of exchanged) Object.assign(change, { action: 'truncated', reason: 'emptied-not-dropped' });
      for (const change of emptyAlready) change.reason = stop;
    } else if (options.action === 'drop') {
      // Between two counts: a scan of the disk beside the drop made it hold the table 20–34 ms
      // (9–13 ms between two counts), and after the staging tables' drops it once held it 1 s
      // (docs/benchmarks.md, "The final drop between two counts").
      const resume = await counts.hold();
      try {
        await dropEmptied(ctx, plan, exchanged, [...emptyAlready], locked);
      } finally {
        resume();
      }
    } else {
      for (const { change } of exchanged) change.action = 'truncated';
    }
  } finally {
    await countAndDropStaging(ctx, exchanged, staging);
  }
  return removal(
    changes.filter((c) => !UNREPORTED.has(c.reason ?? '')),
    counts.spanMs(),
  );
}

/** An exchanged partition: its change, its staging table and that table's count (started at once). */
interface Exchanged {
  change: PartitionChange;
  stage: string;
  rows: Promise<number>;
}

/**
 * Counts staging tables, `concurrency` at a time, as they are handed over; the span of all counts;
 * and `hold`, which keeps the counts not yet begun from beginning and resolves once those running
 * have ended, with the function that lets them go on.
 */
export function countEachExchanged(ctx: MysqlStoreContext, concurrency: number) {
  const limit = pLimit(Math.max(1, Math.floor(concurrency)));
  const span = { first: 0, last: 0 };
  const running = new Set<Promise<number>>();
  let held: Promise<void> | null = null;
  const start = (stage: string): Promise<number> => {
    const rows = limit(async () => {
      while (held) await held;
      if (span.first === 0) span.first = performance.now();
      const count = countRows(ctx.pool, stage);
      running.add(count);
      try {
        return await count;
      } finally {
        running.delete(count);
        span.last = performance.now();
      }
    });
    // Awaited by countAndDropStaging; never an unhandled rejection meanwhile.
    rows.catch(() => undefined);
    return rows;
  };
  const hold = async (): Promise<() => void> => {
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    await Promise.allSettled(running);
    return () => {
      held = null;
      release();
    };
  };
  return { start, hold, spanMs: () => span.last - span.first };
}

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
 * Exchanges each partition holding rows with its staging table (`staging[i]` for `changes[i]`)
 * and starts counting that table; returns the emptied ones. Stops at the first partition it
 * cannot exchange (lock wait given up, or the statement failed: the partition vanished, say) and
 * leaves it and the rest to the row walk. A failed statement may still have exchanged (a
 * connection lost after the server did it): the staging table says so. The staging tables are not
 * dropped here but by countAndDropStaging, after the last exchange: freeing a file leaves ext4 a
 * journal commit to make, and the next statement's fsyncs waited for it while holding the table
 * (measured, a 2-core box under load: exchanges right after a staging table's drop held the table
 * 15–138 ms, against 4–6 ms otherwise).
 */
async function exchangeEach(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  changes: readonly PartitionChange[],
  staging: readonly string[],
  emptyAlready: ReadonlySet<PartitionChange>,
  locked: Locked,
  count: (stage: string) => Promise<number>,
): Promise<{ exchanged: Exchanged[]; stop: string | null }> {
  const table = mysql.escapeId(plan.table);
  const emptied: Exchanged[] = [];
  let stop: string | null = null;
  for (const [i, c] of changes.entries()) {
    if (c.reason !== undefined || emptyAlready.has(c)) continue;
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
      exchanged = await holdsRows(ctx.pool, stage).catch(() => false);
      stop = 'exchange-failed';
      ctx.logger.warn({ err, partition: c.name, exchanged }, 'partition exchange failed: the rest are left to the row walk');
    }
    if (!exchanged) c.reason = stop ?? 'exchange-failed';
    else if (unusable) c.reason = 'unusable-time-rows';
    else emptied.push({ change: c, stage, rows: count(stage) });
  }
  return { exchanged: emptied, stop };
}

/**
 * One `DROP PARTITION` of the emptied and the already empty partitions. Under the same lock, rows
 * the application wrote into them since their exchange (normally none) are counted first: they go
 * with the partition, so they are part of its `rows`; a partition that received a row the policy
 * cannot date is kept (`truncated`, `unusable-time-rows`). When the drop does not happen, the
 * emptied partitions are `truncated` (`emptied-not-dropped`) and the empty ones `skipped`.
 */
async function dropEmptied(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  exchanged: readonly Exchanged[],
  empty: readonly PartitionChange[],
  locked: Locked,
): Promise<void> {
  const all = [...exchanged.map((e) => e.change), ...empty];
  if (all.length === 0) return;
  const table = mysql.escapeId(plan.table);
  const late = new Map<PartitionChange, number>();
  const chosen: PartitionChange[] = [];
  let dropped = false;
  let failure = 'metadata-lock-timeout';
  try {
    dropped = await locked([plan.table], async (conn) => {
      const written = await holdsRows(
        conn,
        plan.table,
        all.map((c) => c.name),
      );
      for (const c of all) {
        if (written && (await holdsUnusableTimes(conn, plan, c.name))) {
          c.reason = 'unusable-time-rows';
          continue;
        }
        if (written) {
          late.set(c, await countRows(conn, plan.table, [c.name]));
        }
        chosen.push(c);
      }
      if (chosen.length > 0)
        await conn.query(`ALTER TABLE ${table} DROP PARTITION ${chosen.map((c) => mysql.escapeId(c.name)).join(', ')}`);
    });
  } catch (err) {
    failure = 'drop-failed';
    ctx.logger.warn({ err, partitions: all.map((c) => c.name) }, 'emptied partitions not dropped: the next run drops them');
  }
  for (const c of all) {
    if (dropped && chosen.includes(c)) {
      c.action = 'dropped';
      c.rows += late.get(c) ?? 0;
    } else if (empty.includes(c)) {
      c.reason ??= failure;
    } else {
      c.action = 'truncated';
      c.reason ??= 'emptied-not-dropped';
    }
  }
}

/**
 * Waits for each exchanged partition's count, adds it to its rows and drops its staging table
 * (beside the counts still running); then drops the staging tables no exchange used. A staging
 * table whose count failed is kept, and so is one the server will not drop: both hold rows this
 * run does not report, which the next run counts, drops and reports (dropLeftoverStaging).
 */
async function countAndDropStaging(ctx: MysqlStoreContext, exchanged: readonly Exchanged[], staging: readonly string[]): Promise<void> {
  for (const { change, stage, rows } of exchanged) {
    try {
      change.rows += await rows;
    } catch (err) {
      change.reason = 'staging-not-counted';
      ctx.logger.warn(
        { err, partition: change.name, table: stage },
        'staging table not counted: kept for the next run to count, drop and report',
      );
      continue;
    }
    if (!(await dropStagingTables(ctx, [stage]))) change.reason = 'staging-not-dropped';
  }
  const used = new Set(exchanged.map((e) => e.stage));
  await dropStagingTables(
    ctx,
    staging.filter((s) => !used.has(s)),
  );
}

/**
 * The one-statement removal (`exchange: false`, or no staging tables: the server refused to
 * create them): the partitions, counted before (countPartitions), go in one `DROP`/`TRUNCATE
 * PARTITION` under the short lock, the unusable-time probe under the same lock. Their counts and
 * their removal are not one step: docs/audit.md states the window.
 */
export async function removeInOneStatement(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  partitions: readonly CountedPartition[],
  options: MysqlPartitionsConfig,
): Promise<PartitionRemoval> {
  const { locked, removal } = pacedLocks(ctx, options);
  const counted: PartitionChange[] = partitions.map(({ partition, rows }) => ({
    name: partition.name,
    rows,
    lessThan: partition.lessThan,
    action: 'skipped',
    // Empty partitions left by `truncate` stay empty run after run: not worth an entry each time.
    ...(options.action === 'truncate' && rows === 0 ? { reason: 'empty' } : {}),
  }));
  const candidates = counted.filter((c) => c.reason === undefined);
  if (candidates.length > 0) {
    const chosen: PartitionChange[] = [];
    const done = await locked([plan.table], async (conn) => {
      for (const c of candidates) {
        if (await holdsUnusableTimes(conn, plan, c.name)) c.reason = 'unusable-time-rows';
        else chosen.push(c);
      }
      if (chosen.length === 0) return;
      const names = chosen.map((c) => mysql.escapeId(c.name)).join(', ');
      await conn.query(
        `ALTER TABLE ${mysql.escapeId(plan.table)} ${options.action === 'truncate' ? 'TRUNCATE' : 'DROP'} PARTITION ${names}`,
      );
    });
    for (const c of candidates) {
      if (!done) c.reason = 'metadata-lock-timeout';
      else if (c.reason === undefined) c.action = options.action === 'truncate' ? 'truncated' : 'dropped';
    }
  }
  return removal(
    counted.filter((c) => !UNREPORTED.has(c.reason ?? '')),
    0,
  );
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
