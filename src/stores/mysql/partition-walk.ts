import type { MysqlPartitionsConfig } from '../../config/schema.js';
import type { BatchResult } from '../purger.js';
import type { AgeTargetPlan } from './check-target.js';
import { dueAfterPredicate } from './due-predicate.js';
import { latestValueParam, readPartitionLayout, type RangePartition } from './partition-layout.js';
import { countPartitions, duePartitions, planPremake, premakePartitions, removePartitions } from './partition-purge.js';
import type { MysqlPurgeWalk, PurgeWalkOptions } from './purge-walk.js';
import { createStagingTables, dropStagingTables, type StagingTables } from './staging-tables.js';
import { asStoreError, type MysqlStoreContext } from './store-context.js';

export interface PartitionWalkOptions {
  plan: () => Promise<AgeTargetPlan>;
  cutoff: Date;
  /** "Now", for pre-creation (the engine's clock, through the run's evaluation time). */
  now: Date;
  partitions: MysqlPartitionsConfig;
  table: string;
  /** Opens a row walk of the target: of every due row, or of those `dueRows` selects. */
  openRows: (dueRows?: PurgeWalkOptions['dueRows']) => MysqlPurgeWalk;
}

/** The wholly due partitions of this run while they are being counted. */
interface Counting {
  partitions: RangePartition[];
  counts: Promise<number[]>;
  /** The empty staging tables the partitions are exchanged with; null when they could not be made. */
  staging: Promise<StagingTables | null>;
  settled: boolean;
  startedAt: number;
  settledAt: number;
}

/**
 * A purge walk that first removes whole partitions, then hands over to the row walk. Its first
 * batch reads the partitioning afresh (the memoized check only validated it), pre-creates future
 * partitions when configured, plans which partitions are wholly due and starts counting their
 * rows (countPartitions, `countConcurrency` at a time) and making the staging tables their
 * removal exchanges them with (createStagingTables) without waiting for either.
 *
 * While the counts run, the boundary partition is walked beside them: a row walk limited to rows
 * above the latest time the wholly due partitions can hold (dueAfterPredicate), so it never
 * touches a row being counted and every row it deletes is counted by its own DELETE. Once the
 * counts are in (or that walk has nothing left), the partitions are removed between two batches
 * (removePartitions: an exchange each, then one drop), and a row walk of every due row finishes
 * the run: it deletes what the partitions the removal gave up on still hold (a partition left
 * behind that way is empty and is dropped on the next run), or every due row when the counts
 * failed, and finds nothing else to do otherwise.
 */
export function openPartitionWalk(ctx: MysqlStoreContext, options: PartitionWalkOptions): MysqlPurgeWalk {
  const all = options.openRows();
  let started = false;
  let plan: AgeTargetPlan | null = null;
  let counting: Counting | null = null;
  let beside: MysqlPurgeWalk | null = null;
  const timing = { openedAt: 0, counted: false, countMs: 0, ddlMs: 0, longestLockMs: 0, walkMs: 0, partitionRows: 0, walkedRows: 0 };

  /** Plans; returns the pre-creation as a batch of its own, or null to go straight on. */
  async function start(): Promise<BatchResult | null> {
    timing.openedAt = performance.now();
    plan = await options.plan();
    const layout = await readPartitionLayout(ctx.pool, ctx.database, plan);
    if (!layout) return null;
    const due = duePartitions(plan, layout, options.cutoff);
    const planned = planPremake(plan, layout, options.now, options.partitions);
    if (layout.partitions.at(-1)?.boundMs !== null && options.partitions.premake > 0) {
      ctx.logger.warn('partitions.premake: the last partition is not MAXVALUE, so there is nothing to split future partitions off');
    }
    // Pre-creation first: its DDL would otherwise wait for the counts' metadata locks.
    const created = planned.length > 0 ? await premakePartitions(ctx, plan, layout, planned, options.partitions) : null;
    if (due.length > 0) startCounting(plan, due);
    if (!created) return null;
    ctx.logger.info({ partitions: created }, 'partitions pre-created');
    return { deleted: 0, done: false, partitions: created };
  }

  function startCounting(p: AgeTargetPlan, partitions: RangePartition[]): void {
    const state: Counting = {
      partitions,
      counts: countPartitions(ctx, p, partitions, options.partitions.countConcurrency),
      // Made while the counts run; without them (or with `exchange: false`) the partitions go in one statement.
      staging: options.partitions.exchange
        ? createStagingTables(ctx, p, partitions.length).catch((err: unknown) => {
            ctx.logger.warn({ err }, 'staging tables not created: the partitions are dropped in one statement, holding the table longer');
            return null;
          })
        : Promise.resolve(null),
      settled: false,
      startedAt: performance.now(),
      settledAt: 0,
    };
    const settle = () => {
      state.settled = true;
      state.settledAt = performance.now();
    };
    // A failure is thrown where the counts are awaited (removeDue); never unhandled meanwhile.
    state.counts.then(settle, settle);
    counting = state;
    timing.counted = true;
    const latest = latestValueParam(partitions[partitions.length - 1] as RangePartition);
    beside = options.openRows((q) => dueAfterPredicate(q, options.cutoff, latest));
  }

  async function removeDue(state: Counting, p: AgeTargetPlan): Promise<BatchResult> {
    const staging = await state.staging;
    let counts: number[];
    try {
      counts = await state.counts;
    } catch (err) {
      // No exact counts, no removal: the walk of every due row deletes (and counts) those rows.
      ctx.logger.warn({ err }, 'partitions left to the row walk: counting their rows failed');
      await dropStagingTables(ctx, staging?.names ?? []);
      const leftovers = staging?.leftovers ?? [];
      return {
        deleted: leftovers.reduce((n, c) => n + c.rows, 0),
        done: false,
        ...(leftovers.length > 0 ? { partitions: leftovers } : {}),
      };
    }
    timing.countMs = Math.round(state.settledAt - state.startedAt);
    const counted = state.partitions.map((partition, i) => ({ partition, rows: counts[i] ?? 0 }));
    const removal = await removePartitions(ctx, p, counted, options.partitions, staging?.names ?? null);
    const { ddlMs, longestLockMs, locksMs } = removal;
    const changes = [...(staging?.leftovers ?? []), ...removal.changes];
    timing.ddlMs = ddlMs;
    timing.longestLockMs = longestLockMs;
    if (changes.some((c) => c.reason === 'metadata-lock-timeout')) {
      // A long transaction holds the table: the row walk deletes this run's rows instead.
      ctx.logger.warn(
        { partitions: changes.map((c) => c.name), lockWaitSeconds: options.partitions.lockWaitSeconds },
        'partitions left to the row walk: metadata lock not granted in time',
      );
    } else {
      ctx.logger.info({ partitions: changes, countMs: timing.countMs, ddlMs, longestLockMs, locksMs }, 'partitions purged');
    }
    const removed = changes.filter((c) => c.action === 'dropped' || c.action === 'truncated');
    timing.partitionRows = removed.reduce((n, c) => n + c.rows, 0);
    return { deleted: timing.partitionRows, done: false, partitions: changes };
  }

  /** One batch of a row walk, timed; its rows are counted by its own DELETEs. */
  async function walkBatch(walk: MysqlPurgeWalk): Promise<BatchResult> {
    const before = performance.now();
    const batch = await walk.nextBatch();
    timing.walkMs += performance.now() - before;
    timing.walkedRows += batch.deleted;
    return batch;
  }

  return {
    get mode() {
      return (beside ?? all).mode;
    },
    get phase() {
      return (beside ?? all).phase;
    },
    async nextBatch() {
      try {
        if (!started) {
          started = true;
          const premade = await start();
          if (premade) return premade;
        }
        if (counting && beside) {
          if (!counting.settled && beside.phase !== 'done') {
            // Never done here: the partitions' DDL and the walk of every due row follow.
            return { ...(await walkBatch(beside)), done: false };
          }
          const state = counting;
          // Cleared first: should the DDL fail, the retried batch goes on with the row walk
          // (which deletes and counts those rows itself) instead of repeating it.
          counting = null;
          beside = null;
          if (plan) return await removeDue(state, plan);
        }
      } catch (err) {
        throw asStoreError(`purging partitions of ${options.table}`, err);
      }
      const batch = await walkBatch(all);
      if (batch.done && timing.counted) {
        ctx.logger.info(
          {
            partitionRows: timing.partitionRows,
            walkedRows: timing.walkedRows,
            countMs: timing.countMs,
            ddlMs: timing.ddlMs,
            longestLockMs: timing.longestLockMs,
            walkMs: Math.round(timing.walkMs),
            wallMs: Math.round(performance.now() - timing.openedAt),
          },
          'partition purge finished',
        );
      }
      return batch;
    },
  };
}
