import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusalError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { createMongoStore } from '../../../src/stores/mongo/mongo-store.js';
import type { Store } from '../../../src/stores/purger.js';
import { createTestMongoDatabase, mongoTarget, type TestMongoDatabase } from '../../support/mongo.js';

const DAY_MS = 86_400_000;
const SEVEN_DAYS = { zone: 'UTC', retainMs: 7 * DAY_MS };

let mongo: TestMongoDatabase;
let store: Store;

beforeAll(async () => {
  mongo = await createTestMongoDatabase('mongo_ttl');
  store = createMongoStore({ url: mongo.url }, silentLogger());
});

afterAll(async () => {
  await store?.close();
  await mongo?.drop();
});

describe('mongo store: a TTL index that already keeps the promise', () => {
  it('recognises a TTL index on the time field at or under the promise, not a longer or partial one', async () => {
    await mongo.db.collection('ttl_at').createIndex({ at: 1 }, { expireAfterSeconds: 7 * 86_400 });
    await mongo.db.collection('ttl_short').createIndex({ at: -1 }, { expireAfterSeconds: 3600 });
    await mongo.db.collection('ttl_long').createIndex({ at: 1 }, { expireAfterSeconds: 7 * 86_400 + 1 });
    await mongo.db.collection('ttl_partial').createIndex({ at: 1 }, { expireAfterSeconds: 60, partialFilterExpression: { kind: 'x' } });
    await mongo.db.collection('ttl_other').createIndex({ other: 1 }, { expireAfterSeconds: 60 });
    await mongo.db.collection('ttl_other').createIndex({ at: 1 });
    const expiry = (collection: string) => store.agePurger(mongoTarget({ collection, time: 'at' }), SEVEN_DAYS).nativeExpiry?.();
    expect(await expiry('ttl_at')).toBe('TTL index at_1 (expireAfterSeconds 604800)');
    expect(await expiry('ttl_short')).toBe('TTL index at_-1 (expireAfterSeconds 3600)');
    expect(await expiry('ttl_long')).toBeNull();
    expect(await expiry('ttl_partial')).toBeNull();
    expect(await expiry('ttl_other')).toBeNull();
    expect(await expiry('missing_collection')).toBeNull();
    // An epoch field is never expired by a TTL index.
    expect(
      await store.agePurger(mongoTarget({ collection: 'ttl_at', time: 'at', timeFormat: 'epoch_ms' }), SEVEN_DAYS).nativeExpiry?.(),
    ).toBeNull();
  });

  it("recognises a time-series collection's expireAfterSeconds on its timeField", async () => {
    await mongo.db.createCollection('series', { timeseries: { timeField: 'at' }, expireAfterSeconds: 86_400 });
    await mongo.db.collection('series').createIndex({ at: 1 });
    const purger = store.agePurger(mongoTarget({ collection: 'series', time: 'at' }), SEVEN_DAYS);
    expect(await purger.nativeExpiry?.()).toBe('time-series collection (expireAfterSeconds 86400)');
    const other = store.agePurger(mongoTarget({ collection: 'series', time: 'at' }), { zone: 'UTC', retainMs: 3600_000 });
    expect(await other.nativeExpiry?.()).toBeNull();
  });

  it('ttlIndex creates the TTL index at the promise, which then serves the purge; a plain index on the field is refused, not converted', async () => {
    const purger = store.agePurger(mongoTarget({ collection: 'made_ttl', time: 'at', ttlIndex: true }), SEVEN_DAYS);
    await mongo.db.collection('made_ttl').insertOne({ at: new Date() });
    await purger.check();
    const indexes = await mongo.db.collection('made_ttl').listIndexes().toArray();
    expect(indexes.find((i) => i.name === 'at_1')).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 604_800 });
    expect(await purger.nativeExpiry?.()).toBe('TTL index at_1 (expireAfterSeconds 604800)');
    await purger.check(); // idempotent

    await mongo.db.collection('plain').createIndex({ at: 1 });
    const refused = await store
      .agePurger(mongoTarget({ collection: 'plain', time: 'at', ttlIndex: true }), SEVEN_DAYS)
      .check()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefusalError);
    expect((refused as RefusalError).reason).toBe('ttl-index-conflict');
    expect((refused as Error).message).toContain('collMod');
  });
});
