import type { MysqlPartitionsConfig } from '../../config/schema.js';
import type { BatchResult } from '../purger.js';
import type { AgeTargetPlan } from './check-target.js';
import { readPartitionLayout, type RangePartition } from './partition-layout.js';
import { duePartitions, planPremake, premakePartitions, removePartitions } from './partition-purge.js';
import type { MysqlPurgeWalk } from './purge-walk.js';
import { asStoreError, type MysqlStoreContext } from './store-context.js';

export interface PartitionWalkOptions {
  plan: () => Promise<AgeTargetPlan>;
  cutoff: Date;
  /** "Now", for pre-creation (the engine's clock, through the run's evaluation time). */
  now: Date;
  partitions: MysqlPartitionsConfig;
  table: string;
}

/**
 * A purge walk that first removes whole partitions, then hands over to the row walk. Its first
 * batch reads the partitioning afresh (the memoized check only validated it), pre-creates future
 * partitions when configured, and plans which partitions are wholly due; the next batch removes
 * them all in one statement. The boundary partition, the last partition and any partition the short lock wait
 * gave up on are left to the row walk, which deletes their due rows this run; a partition left
 * behind that way is empty and is dropped on the next run.
 */
export function openPartitionWalk(ctx: MysqlStoreContext, options: PartitionWalkOptions, rows: MysqlPurgeWalk): MysqlPurgeWalk {
  let queue: RangePartition[] | null = null;
  let plan: AgeTargetPlan | null = null;

  /** Plans; returns the pre-creation as a batch of its own, or null to go straight on. */
  async function start(): Promise<BatchResult | null> {
    plan = await options.plan();
    const layout = await readPartitionLayout(ctx.pool, ctx.database, plan);
    queue = layout ? duePartitions(plan, layout, options.cutoff) : [];
    if (!layout) return null;
    const planned = planPremake(plan, layout, options.now, options.partitions);
    if (layout.partitions.at(-1)?.boundMs !== null && options.partitions.premake > 0) {
      ctx.logger.warn('partitions.premake: the last partition is not MAXVALUE, so there is nothing to split future partitions off');
    }
    if (planned.length === 0) return null;
    const created = await premakePartitions(ctx, plan, layout, planned, options.partitions);
    ctx.logger.info({ partitions: created }, 'partitions pre-created');
    return { deleted: 0, done: false, partitions: created };
  }

  async function removeDue(partitions: RangePartition[], p: AgeTargetPlan): Promise<BatchResult> {
    const { changes, countMs, ddlMs } = await removePartitions(ctx, p, partitions, options.partitions);
    if (changes.some((c) => c.reason === 'metadata-lock-timeout')) {
      // A long transaction holds the table: the row walk deletes this run's rows instead.
      ctx.logger.warn(
        { partitions: changes.map((c) => c.name), lockWaitSeconds: options.partitions.lockWaitSeconds },
        'partitions left to the row walk: metadata lock not granted in time',
      );
    } else {
      ctx.logger.info({ partitions: changes, countMs, ddlMs }, 'partitions purged');
    }
    const removed = changes.filter((c) => c.action === 'dropped' || c.action === 'truncated');
    return { deleted: removed.reduce((n, c) => n + c.rows, 0), done: false, partitions: changes };
  }

  return {
    get mode() {
      return rows.mode;
    },
    get phase() {
      return rows.phase;
    },
    async nextBatch() {
      try {
        if (queue === null) {
          const premade = await start();
          if (premade) return premade;
        }
        const due = queue ?? [];
        queue = [];
        if (due.length > 0 && plan) return await removeDue(due, plan);
      } catch (err) {
        throw asStoreError(`purging partitions of ${options.table}`, err);
      }
      return rows.nextBatch();
    },
  };
}
