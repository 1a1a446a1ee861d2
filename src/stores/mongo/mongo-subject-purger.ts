import type { Collection, Document, Filter } from 'mongodb';
import type { MongoTargetConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { SubjectPurger } from '../purger.js';
import { leadingIndexResolver } from './require-leading-index.js';
import { subjectIdValues } from './subject-id-values.js';

/**
 * The subject purger of one MongoDB collection: every document whose subject field holds one of
 * the given subject ids (as a number of any BSON numeric type, or as its decimal string).
 *
 * Subjects are handled one at a time so that each gets its exact deleted count; each subject is
 * deleted in batches of at most `batchSize` `_id`s (find the ids, then delete them with the
 * subject predicate re-checked), `pauseMs` apart. Driver errors are not wrapped (see the age purger).
 */
export function createMongoSubjectPurger(collection: Collection, target: MongoTargetConfig, logger: Logger): SubjectPurger {
  const field = target.subject;
  if (!field) throw new TypeError(`mongo target ${target.collection} has no subject field: it cannot be used by a subject policy`);
  const batchSize = target.batchSize;
  /** The index name to hint, or null when the collection does not exist. */
  const requireIndex = leadingIndexResolver(collection, field, {
    role: 'subject',
    createIndex: target.createIndex,
    allowHashed: true,
    logger,
  });
  const subjectFilter = (id: string): Filter<Document> => ({ [field]: { $in: subjectIdValues(id) } });

  /** Deletes one subject's documents batch by batch; returns how many went. */
  async function purgeOne(id: string, hint: string, beforeDelete: () => Promise<void>): Promise<number> {
    const filter = subjectFilter(id);
    let deleted = 0;
    for (;;) {
      const found = await collection.find(filter, { projection: { _id: 1 }, limit: batchSize, hint }).toArray();
      if (found.length === 0) return deleted;
      await beforeDelete();
      const chosen: Document = { ...filter, _id: { $in: found.map((doc) => doc._id as unknown) } };
      const result = await collection.deleteMany(chosen);
      deleted += result.deletedCount;
      if (found.length < batchSize) return deleted;
    }
  }

  return {
    store: 'mongo',
    target: target.collection,

    async check() {
      await requireIndex();
    },

    async countSubjects(subjectIds: readonly string[]): Promise<Map<string, number>> {
      const ids = unique(subjectIds);
      const counts = new Map<string, number>(ids.map((id) => [id, 0]));
      const hint = await requireIndex();
      if (hint === null) return counts;
      for (const id of ids) counts.set(id, await collection.countDocuments(subjectFilter(id), { hint }));
      return counts;
    },

    async purgeSubjects(subjectIds: readonly string[]): Promise<Map<string, number>> {
      const ids = unique(subjectIds);
      const deleted = new Map<string, number>(ids.map((id) => [id, 0]));
      const hint = await requireIndex();
      if (hint === null) return deleted;
      const beforeDelete = pacer(target.pauseMs);
      for (const id of ids) deleted.set(id, await purgeOne(id, hint, beforeDelete));
      return deleted;
    },
  };
}

function unique(ids: readonly string[]): string[] {
  // Validates every id before anything is deleted: a malformed id fails the whole call up front.
  for (const id of ids) subjectIdValues(id);
  return [...new Set(ids)];
}

/** Waits `pauseMs` before every delete batch but the first one of the call. */
function pacer(pauseMs: number): () => Promise<void> {
  let first = true;
  return async () => {
    if (!first && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    first = false;
  };
}
