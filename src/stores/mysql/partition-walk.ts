import type { MysqlPartitionsConfig } from '../../config/schema.js';
import type { BatchResult } from '../purger.js';
import type { AgeTargetPlan } from './check-target.js';
import { dueAfterPredicate } from './due-predicate.js';
import { latestValueParam, readPartitionLayout, type RangePartition } from './partition-layout.js';
import {
  countPartitions,
  duePartitions,
  planPremake,
  premakePartitions,
  removeInOneStatement,
  removePartitions,
} from './partition-purge.js';
import type { MysqlPurgeWalk, PurgeWalkOptions } from './purge-walk.js';
import type { PartitionChange } from '../../types.js';
import { createStagingTables } from './staging-tables.js';
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

/**
 * What the removal of this run's wholly due partitions works with, once ready: the empty staging
 * tables to exchange them with; or, for the one-statement removal, their counts taken before it;
 * or why nothing is removed this run (the preparation failed: every due row is left to the row
 * walk). `leftovers`: staging tables interrupted runs left, dropped and counted (dropLeftoverStaging).
 */
type Prepared = { leftovers: PartitionChange[] } & (
  { how: 'exchange'; staging: string[] } | { how: 'one-statement'; counts: number[] } | { how: 'none'; failure: unknown }
);

/** The wholly due partitions of this run while their removal is being prepared. */
interface Preparing {
  partitions: RangePartition[];
  ready: Promise<Prepared>;
  settled: boolean;
  startedAt: number;
  settledAt: number;
}

/**
 * A purge walk that first removes whole partitions, then hands over to the row walk. Its first
 * batch reads the partitioning afresh (the memoized check only validated it), pre-creates future
 * partitions when configured, plans which partitions are wholly due and starts preparing their
 * removal without waiting for it: making the empty staging tables the partitions are exchanged
 * with (createStagingTables), or, for the one-statement removal (`exchange: false`, or the server
 * refused the staging tables), counting the partitions' rows (countPartitions,
 * `countConcurrency` at a time).
 *
 * While that runs, the boundary partition is walked beside it: a row walk limited to rows above
 * the latest time the wholly due partitions can hold (dueAfterPredicate), so it never touches a
 * row of theirs and every row it deletes is counted by its own DELETE. Once ready (or that walk
 * has nothing left), the partitions are removed in one batch (removePartitions: an exchange
 * each, the staging tables counted beside the exchanges, then one drop), and a row walk of every
 * due row finishes the run: it deletes what the partitions the removal gave up on still hold (a
 * partition left behind that way is empty and is dropped on the next run), or every due row when
 * the counts failed, and finds nothing else to do otherwise.
 */
export function openPartitionWalk(ctx: MysqlStoreContext, options: PartitionWalkOptions): MysqlPurgeWalk {
  const all = options.openRows();
  let started = false;
  let plan: AgeTargetPlan | null = null;
  let preparing: Preparing | null = null;
  let beside: MysqlPurgeWalk | null = null;
  const timing = {
    openedAt: 0,
    counted: false,
    prepareMs: 0,
    countMs: 0,
    ddlMs: 0,
    longestLockMs: 0,
    walkMs: 0,
    partitionRows: 0,
    walkedRows: 0,
  };

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
    if (due.length > 0) startPreparing(plan, due);
    if (!created) return null;
    ctx.logger.info({ partitions: created }, 'partitions pre-created');
    return { deleted: 0, done: false, partitions: created };
  }

  function startPreparing(p: AgeTargetPlan, partitions: RangePartition[]): void {
    const counted = (leftovers: PartitionChange[]): Promise<Prepared> =>
      countPartitions(ctx, p, partitions, options.partitions.countConcurrency).then(
        (counts): Prepared => ({ leftovers, how: 'one-statement', counts }),
        (failure: unknown): Prepared => ({ leftovers, how: 'none', failure }),
      );
    const ready: Promise<Prepared> = options.partitions.exchange
      ? createStagingTables(ctx, p, partitions.length).then(
          (made): Prepared | Promise<Prepared> =>
            made.names ? { leftovers: made.leftovers, how: 'exchange', staging: made.names } : counted(made.leftovers),
          (failure: unknown): Prepared => ({ leftovers: [], how: 'none', failure }),
        )
      : counted([]);
    const state: Preparing = { partitions, ready, settled: false, startedAt: performance.now(), settledAt: 0 };
    void ready.then(() => {
      state.settled = true;
      state.settledAt = performance.now();
    });
    preparing = state;
    timing.counted = true;
    const latest = latestValueParam(partitions[partitions.length - 1] as RangePartition);
    beside = options.openRows((q) => dueAfterPredicate(q, options.cutoff, latest));
  }

  async function removeDue(state: Preparing, p: AgeTargetPlan): Promise<BatchResult> {
    const prepared = await state.ready;
    const { leftovers } = prepared;
    if (prepared.how === 'none') {
      // No exact counts, no removal: the walk of every due row deletes (and counts) those rows.
      ctx.logger.warn({ err: prepared.failure }, 'partitions left to the row walk: preparing their removal failed');
      return {
        deleted: leftovers.reduce((n, c) => n + c.rows, 0),
        done: false,
        ...(leftovers.length > 0 ? { partitions: leftovers } : {}),
      };
    }
    const removal =
      prepared.how === 'exchange'
        ? await removePartitions(ctx, p, state.partitions, options.partitions, prepared.staging)
        : await removeInOneStatement(
            ctx,
            p,
            state.partitions.map((partition, i) => ({ partition, rows: prepared.counts[i] ?? 0 })),
            options.partitions,
          );
    const { ddlMs, longestLockMs, locksMs } = removal;
    // Preparing: making the staging tables, or the one-statement removal's counts (beside the boundary's walk).
    timing.prepareMs = Math.round(state.settledAt - state.startedAt);
    timing.countMs = prepared.how === 'exchange' ? removal.countMs : timing.prepareMs;
    const changes = [...leftovers, ...removal.changes];
    timing.ddlMs = ddlMs;
    timing.longestLockMs = longestLockMs;
    if (changes.some((c) => c.reason === 'metadata-lock-timeout')) {
      // A long transaction holds the table: the row walk deletes this run's rows instead.
      ctx.logger.warn(
        { partitions: changes.map((c) => c.name), lockWaitSeconds: options.partitions.lockWaitSeconds },
        'partitions left to the row walk: metadata lock not granted in time',
      );
    } else {
      ctx.logger.info(
        { partitions: changes, prepareMs: timing.prepareMs, countMs: timing.countMs, ddlMs, longestLockMs, locksMs },
        'partitions purged',
      );
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
        if (preparing && beside) {
          if (!preparing.settled && beside.phase !== 'done') {
            // Never done here: the partitions' DDL and the walk of every due row follow.
            return { ...(await walkBatch(beside)), done: false };
          }
          const state = preparing;
          // Cleared first: should the DDL fail, the retried batch goes on with the row walk
          // (which deletes and counts those rows itself) instead of repeating it.
          preparing = null;
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
            prepareMs: timing.prepareMs,
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
