import type { BatchResult, PurgeWalk } from '../purger.js';
import type { AgeTargetPlan } from './check-target.js';
import { ChunkSizer } from './chunk-sizer.js';
import { duePredicate, type SqlFragment } from './due-predicate.js';
import { IndexWalk } from './index-walk.js';
import { findDueIdBounds, idsFollowTime } from './pk-follows-time.js';
import { RangeWalk } from './range-walk.js';
import { asStoreError, type MysqlStoreContext } from './store-context.js';

/** `range`: primary-key range steps then an index sweep; `index`: the index walk alone. */
export type WalkMode = 'range' | 'index';

/** Where a walk is: planning on the first batch, then its phases, then done. */
export type WalkPhase = 'planning' | 'range' | 'sweep' | 'index' | 'done';

/** A PurgeWalk that also tells how it walks (for logs and tests). */
export interface MysqlPurgeWalk extends PurgeWalk {
  /** Null until the first batch has planned the walk. */
  readonly mode: WalkMode | null;
  readonly phase: WalkPhase;
}

export interface PurgeWalkOptions {
  /** The target's check, memoized: the walk plans lazily because `openWalk` is synchronous. */
  plan: () => Promise<AgeTargetPlan>;
  cutoff: Date;
  /**
   * Narrows the rows the walk deletes below "due at `cutoff`" (the partition walk's walk beside
   * its counts: dueAfterPredicate). @defaultValue duePredicate(plan, cutoff)
   */
  dueRows?: (plan: AgeTargetPlan) => SqlFragment;
  /** The target's `batchSize`: first chunk size, in rows (index walk) or ids (range step). */
  batchSize: number;
  /** The table, for error messages. */
  table: string;
}

/**
 * One pass over a target's due rows, a chunk per `nextBatch` (one or two short auto-committed
 * statements; never a transaction spanning chunks). The first batch plans: when the table has a
 * single integer primary key and its ids follow time, the ids between the oldest and the newest
 * due row are stepped through by range, then an index sweep deletes the stragglers (due rows
 * outside that range); otherwise the time index is walked from the start. Memory is constant:
 * at most one chunk of keys is ever held.
 */
export function openMysqlPurgeWalk(ctx: MysqlStoreContext, options: PurgeWalkOptions): MysqlPurgeWalk {
  const { cutoff, batchSize } = options;
  const sizerFor = () => new ChunkSizer({ initial: batchSize, adaptive: ctx.adaptiveBatchSize });
  let phase: WalkPhase = 'planning';
  let mode: WalkMode | null = null;
  let plan: AgeTargetPlan | null = null;
  let due: SqlFragment | null = null;
  let range: RangeWalk | null = null;
  let index: IndexWalk | null = null;
  let sizer = sizerFor();

  async function planWalk(): Promise<void> {
    plan = await options.plan();
    due = options.dueRows ? options.dueRows(plan) : duePredicate(plan, cutoff);
    const key = plan.rangeKey;
    if (key) {
      const bounds = await findDueIdBounds(ctx, plan, key, due);
      if (!bounds) {
        mode = 'index';
        phase = 'done';
        return;
      }
      if (await idsFollowTime(ctx, plan, key, due, bounds, { smallSpan: 2 * batchSize })) {
        mode = 'range';
        phase = 'range';
        range = new RangeWalk(ctx, plan, key, due, bounds.oldest, bounds.newest);
        ctx.logger.debug({ mode, idSpan: String(bounds.newest - bounds.oldest + 1n) }, 'purge walk planned');
        return;
      }
    }
    mode = 'index';
    phase = 'index';
    index = new IndexWalk(ctx, plan, due);
    ctx.logger.debug({ mode }, 'purge walk planned');
  }

  async function step(): Promise<BatchResult> {
    if (phase === 'planning') await planWalk();
    if (phase === 'done' || !plan || !due) return { deleted: 0, done: true };

    const started = performance.now();
    if (phase === 'range' && range) {
      const outcome = await range.chunk(sizer.size);
      sizer.record(performance.now() - started);
      if (outcome.exhausted) {
        phase = 'sweep';
        index = new IndexWalk(ctx, plan, due);
        sizer = sizerFor();
      }
      // Not done yet: the sweep decides whether stragglers are left.
      return { deleted: outcome.deleted, done: false };
    }
    if (!index) throw new Error(`purge walk in phase ${phase} without an index walk`);
    const outcome = await index.chunk(sizer.size);
    sizer.record(performance.now() - started);
    if (outcome.exhausted) phase = 'done';
    return { deleted: outcome.deleted, done: outcome.exhausted };
  }

  return {
    get mode() {
      return mode;
    },
    get phase() {
      return phase;
    },
    async nextBatch() {
      if (phase === 'done') return { deleted: 0, done: true };
      try {
        // Replica lag throttles between chunks; a long lag hands control back with an empty batch.
        if (!(await ctx.replicaLag.waitForReplicas())) return { deleted: 0, done: false };
        return await step();
      } catch (err) {
        throw asStoreError(`purging a batch of ${options.table}`, err);
      }
    },
  };
}
