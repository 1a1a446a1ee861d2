import { MongoServerError, type Collection, type Db, type Document } from 'mongodb';
import type { Logger } from '../../logging/logger.js';
import { RefusalError } from '../../errors/index.js';

const NAMESPACE_NOT_FOUND = 26;

/**
 * The server's own expiry of a collection's documents by the target's time field: a TTL index
 * on that field alone, or a time-series collection with `expireAfterSeconds` and that field as
 * its `timeField`. Only one at or under the promise counts: a longer TTL keeps documents past it.
 * TTL expiry only ever applies to BSON dates, so an epoch field is never enforced that way.
 */
export async function findNativeTtl(db: Db, collection: Collection, field: string, retainMs: number): Promise<string | null> {
  let indexes: Document[];
  try {
    indexes = await collection.listIndexes().toArray();
  } catch (err) {
    if (err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND) return null;
    throw err;
  }
  const within = (seconds: unknown): seconds is number => typeof seconds === 'number' && seconds >= 0 && seconds * 1000 <= retainMs;
  for (const index of indexes) {
    const key = Object.entries((index.key as Document | undefined) ?? {});
    // A partial TTL index expires only the documents it holds.
    if (key.length !== 1 || key[0]?.[0] !== field || index.partialFilterExpression !== undefined) continue;
    if (within(index.expireAfterSeconds)) return `TTL index ${String(index.name)} (expireAfterSeconds ${index.expireAfterSeconds})`;
  }
  const [info] = await db.listCollections({ name: collection.collectionName }).toArray();
  const options = (info as { options?: Document } | undefined)?.options;
  const series = options?.timeseries as Document | undefined;
  if (series?.timeField === field && within(options?.expireAfterSeconds)) {
    return `time-series collection (expireAfterSeconds ${options?.expireAfterSeconds})`;
  }
  return null;
}

/**
 * Creates `{ field: 1 }` with `expireAfterSeconds` = the promise (the target's `ttlIndex`), named
 * `<field>_1` as mongod would. An existing plain `{ field: 1 }` index is not converted behind the
 * user's back (that is `collMod`, and rebuilds nothing but changes what the server deletes):
 * the target is refused with the command to run.
 */
export async function createTtlIndex(collection: Collection, field: string, retainMs: number, logger: Logger): Promise<void> {
  const seconds = Math.floor(retainMs / 1000);
  let indexes: Document[] = [];
  try {
    indexes = await collection.listIndexes().toArray();
  } catch (err) {
    if (!(err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND)) throw err;
  }
  const plain = indexes.find((index) => {
    const key = Object.entries((index.key as Document | undefined) ?? {});
    return key.length === 1 && key[0]?.[0] === field && key[0]?.[1] === 1;
  });
  if (plain) {
    throw new RefusalError(
      'ttl-index-conflict',
      `${collection.collectionName} already has an index on { ${field}: 1 } (${String(plain.name)}) without a TTL at or under the promise: convert it with collMod (index: { keyPattern: { ${field}: 1 }, expireAfterSeconds: ${seconds} }) or unset ttlIndex`,
    );
  }
  await collection.createIndex({ [field]: 1 }, { name: `${field}_1`, expireAfterSeconds: seconds });
  logger.info(
    { collection: collection.collectionName, index: `${field}_1`, expireAfterSeconds: seconds },
    'created TTL index on the time field',
  );
}
