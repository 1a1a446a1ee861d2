import type { Collection, Db, Document } from 'mongodb';
import type { MongoTargetConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { AgeInspection, AgePurger, BatchResult, DueCount, PurgeWalk } from '../purger.js';
import { epochUnitRefusal } from '../epoch-unit.js';
import { leadingIndexResolver } from './require-leading-index.js';
import { timeFilters } from './time-filters.js';
import { createTtlIndex, findNativeTtl } from './native-ttl.js';

export interface MongoAgePurgerExtras {
  /** The collection's database, for listCollections (time-series options). */
  db?: Db;
  /** The policy's promise in ms: recognising and creating a TTL index needs it. */
  retainMs?: number;
}

/**
 * The age purger of one MongoDB collection: documents whose time field is strictly before the
 * cutoff. Each batch finds the next `batchSize` due `_id`s in time order through the time index,
 * then deletes those ids with the time predicate re-checked, so a document updated in between
 * to a newer time is kept.
 *
 * Driver errors are not wrapped: their codes and labels (`RetryableWriteError`…) are what the
 * engine's retry table reads. Every batch is idempotent, so retrying one is safe.
 */
export function createMongoAgePurger(
  collection: Collection,
  target: MongoTargetConfig,
  logger: Logger,
  extras: MongoAgePurgerExtras = {},
): AgePurger {
  const field = target.time;
  if (!field) throw new TypeError(`mongo target ${target.collection} has no time field: it cannot be used by an age policy`);
  const filters = timeFilters(field, target.timeFormat);
  const batchSize = target.batchSize;
  /** The index name to hint, or null when the collection does not exist. */
  const requireIndex = leadingIndexResolver(collection, field, { role: 'time', createIndex: target.createIndex, logger });
  const hinted = (hint: string | null) => (hint === null ? {} : { hint });
  // TTL expiry deletes only documents whose field is a BSON date.
  const nativeExpiry = async (): Promise<string | null> =>
    extras.db && extras.retainMs !== undefined && target.timeFormat === 'datetime'
      ? findNativeTtl(extras.db, collection, field, extras.retainMs)
      : null;

  return {
    store: 'mongo',
    target: target.collection,

    async check() {
      // The TTL index, when asked for, is created first: it also serves the walk as its time index.
      if (target.ttlIndex && extras.retainMs !== undefined && target.timeFormat === 'datetime' && !(await nativeExpiry())) {
        await createTtlIndex(collection, field, extras.retainMs, logger);
      }
      const hint = await requireIndex();
      if (hint !== null && target.timeFormat !== 'datetime') {
        // The smallest positive number, through the time index: does it fit the declared unit?
        const [first] = await collection
          .find(
            { [field]: { $gt: 0, $type: 'number', $not: { $type: 'array' } } },
            { projection: { _id: 0, [field]: 1 }, sort: { [field]: 1 }, limit: 1, hint },
          )
          .toArray();
        const smallest = first === undefined ? null : Number(first[field]);
        const refusal =
          smallest === null || Number.isNaN(smallest)
            ? null
            : epochUnitRefusal(`${target.collection}.${field}`, target.timeFormat, smallest);
        if (refusal) throw refusal;
      }
    },

    nativeExpiry,

    async count(cutoff: Date): Promise<DueCount> {
      const hint = await requireIndex();
      if (hint === null) return { due: 0, total: 0, unusableTime: 0 };
      const [due, total, unusableTime] = await Promise.all([
        collection.countDocuments(filters.due(cutoff), hinted(hint)),
        // The collection's metadata count: free, and exact enough for the blast-radius fraction;
        // never below what was just counted, so that fraction stays within [0, 1].
        collection.estimatedDocumentCount(),
        collection.countDocuments(filters.unusable),
      ]);
      return { due, total: Math.max(total, due + unusableTime), unusableTime };
    },

    openWalk(cutoff: Date): PurgeWalk {
      const due = filters.due(cutoff);
      let finished = false;
      return {
        async nextBatch(): Promise<BatchResult> {
          if (finished) return { deleted: 0, done: true };
          const hint = await requireIndex();
          if (hint === null) {
            finished = true;
            return { deleted: 0, done: true };
          }
          const found = await collection.find(due, { projection: { _id: 1 }, sort: { [field]: 1 }, limit: batchSize, hint }).toArray();
          if (found.length === 0) {
            finished = true;
            return { deleted: 0, done: true };
          }
          // `_id` may be of any BSON type, not only ObjectId: the filter is a plain Document.
          const chosen: Document = { ...due, _id: { $in: found.map((doc) => doc._id as unknown) } };
          const result = await collection.deleteMany(chosen);
          finished = found.length < batchSize;
          return { deleted: result.deletedCount, done: finished };
        },
      };
    },

    async inspect(overdueBefore: Date): Promise<AgeInspection> {
      const hint = await requireIndex();
      if (hint === null) return { oldest: null, overdue: 0, unusableTime: 0 };
      const [first] = await collection
        .find(filters.usable, { projection: { _id: 0, [field]: 1 }, sort: { [field]: 1 }, limit: 1, hint })
        .toArray();
      const [overdue, unusableTime] = await Promise.all([
        collection.countDocuments(filters.due(overdueBefore), hinted(hint)),
        collection.countDocuments(filters.unusable),
      ]);
      return { oldest: first ? filters.toDate(first[field]) : null, overdue, unusableTime };
    },
  };
}
