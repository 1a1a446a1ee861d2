import { MongoServerError, type Collection, type Document } from 'mongodb';
import type { Logger } from '../../logging/logger.js';
import { RefusalError } from '../../errors/index.js';

/** Server error codes that say "there is no such collection" or "this is not a collection". */
const NAMESPACE_NOT_FOUND = 26;
const COMMAND_NOT_SUPPORTED_ON_VIEW = 166;

export interface LeadingIndexOptions {
  /** What the field is for, in messages: `time` or `subject`. */
  role: 'time' | 'subject';
  /** Create `{ field: 1 }` when no index leads with the field, instead of refusing (the target's `createIndex`). */
  createIndex: boolean;
  /** A hashed index serves equality (`$in`) but not the range and sort of an age walk. @defaultValue false */
  allowHashed?: boolean;
  logger: Logger;
}

/**
 * Makes sure a purge of `field` is served by an index whose first key is that field, and returns
 * the index name to hint, or null when the collection does not exist.
 *
 * - No collection: nothing to purge, not an error (an empty target). Nothing is created, so a
 *   mistyped collection name does not make a new collection appear.
 * - A collection without such an index: refused with `no-index` (a purge would scan the whole
 *   collection on every batch), unless `createIndex` is set; then `{ field: 1 }` is built under
 *   the name mongod would give it (`field_1`) and logged.
 * - A view: refused with `not-a-collection`.
 *
 * Partial and hidden indexes are not counted: one does not hold every document, the other
 * cannot be used.
 */
export async function requireLeadingIndex(collection: Collection, field: string, options: LeadingIndexOptions): Promise<string | null> {
  let indexes: Document[];
  try {
    indexes = await collection.listIndexes().toArray();
  } catch (err) {
    if (err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND) return null;
    if (err instanceof MongoServerError && err.code === COMMAND_NOT_SUPPORTED_ON_VIEW) {
      throw new RefusalError(
        'not-a-collection',
        `${collection.collectionName} is a view, not a collection: documents cannot be deleted from it`,
      );
    }
    throw err;
  }
  const found = indexes.find((index) => leadsWith(index, field, options.allowHashed ?? false));
  if (found) return String(found.name);

  const name = `${field}_1`;
  if (!options.createIndex) {
    throw new RefusalError(
      'no-index',
      `${collection.collectionName} has no index starting with its ${options.role} field ${field}: create one ({ ${field}: 1 }) or set createIndex: true`,
    );
  }
  await collection.createIndex({ [field]: 1 }, { name });
  options.logger.info({ collection: collection.collectionName, index: name }, `created index on the ${options.role} field`);
  return name;
}

function leadsWith(index: Document, field: string, allowHashed: boolean): boolean {
  // A hidden index cannot be used or hinted; a partial one does not hold every document.
  if (index.partialFilterExpression !== undefined || index.hidden === true) return false;
  const key = index.key as Document | undefined;
  if (!key) return false;
  const [first] = Object.entries(key);
  if (!first || first[0] !== field) return false;
  const direction: unknown = first[1];
  if (direction === 'hashed') return allowHashed;
  // 1 or -1 (both serve range and sort); strings are special indexes: text, 2dsphere, …
  return typeof direction === 'number' && direction !== 0;
}

/**
 * `requireLeadingIndex` for one purger. Only a found index is remembered: a missing collection
 * or a refusal is looked at again on the next call, so a long-lived purger notices a collection
 * or an index created since. A missing collection is logged once.
 */
export function leadingIndexResolver(collection: Collection, field: string, options: LeadingIndexOptions): () => Promise<string | null> {
  let index: string | undefined;
  let reportedMissing = false;
  return async () => {
    if (index !== undefined) return index;
    const found = await requireLeadingIndex(collection, field, options);
    if (found !== null) index = found;
    else if (!reportedMissing) {
      reportedMissing = true;
      options.logger.warn({ collection: collection.collectionName }, 'collection does not exist: treated as empty');
    }
    return found;
  };
}
