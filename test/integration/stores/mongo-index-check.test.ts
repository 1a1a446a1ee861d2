import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusalError } from '../../../src/errors/index.js';
import { createLogger, silentLogger } from '../../../src/logging/logger.js';
import { createMongoStore } from '../../../src/stores/mongo/mongo-store.js';
import type { Store } from '../../../src/stores/purger.js';
import { createTestMongoDatabase, mongoTarget, type TestMongoDatabase } from '../../support/mongo.js';

const context = { zone: 'UTC' };
const cutoff = new Date('2026-11-21T10:00:00.000Z');
const old = new Date(cutoff.getTime() - 1);

let mongo: TestMongoDatabase;
let store: Store;

beforeAll(async () => {
  mongo = await createTestMongoDatabase('mongo_index');
  store = createMongoStore({ url: mongo.url }, silentLogger());
});

afterAll(async () => {
  await store?.close();
  await mongo?.drop();
});

async function refusalOf(promise: Promise<unknown>): Promise<RefusalError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RefusalError);
  return err as RefusalError;
}

async function collectionNames(): Promise<string[]> {
  return (await mongo.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
}

describe('mongo store: the index a purge needs', () => {
  it('refuses a collection whose time field has no index, and deletes nothing', async () => {
    const c = mongo.db.collection('no_index');
    await c.insertMany([{ requestedAt: old }, { requestedAt: old }]);
    const purger = store.agePurger(mongoTarget({ collection: 'no_index', time: 'requestedAt' }), context);

    const refusal = await refusalOf(purger.check());
    expect(refusal.reason).toBe('no-index');
    expect(refusal.message).toContain('requestedAt');
    await refusalOf(purger.openWalk(cutoff).nextBatch());
    await refusalOf(purger.count(cutoff));
    expect(await c.countDocuments({})).toBe(2);
  });

  it('refuses when the time field is only the second key of an index, or only in a partial index', async () => {
    const c = mongo.db.collection('wrong_index');
    await c.insertOne({ appId: 1, requestedAt: old });
    await c.createIndex({ appId: 1, requestedAt: 1 });
    await c.createIndex({ requestedAt: 1 }, { partialFilterExpression: { appId: { $gt: 5 } } });
    const purger = store.agePurger(mongoTarget({ collection: 'wrong_index', time: 'requestedAt' }), context);

    expect((await refusalOf(purger.check())).reason).toBe('no-index');
  });

  it('accepts a descending or compound index that starts with the time field', async () => {
    const c = mongo.db.collection('compound_index');
    await c.createIndex({ requestedAt: -1, appId: 1 });
    await c.insertMany([{ requestedAt: old }, { requestedAt: cutoff }]);
    const purger = store.agePurger(mongoTarget({ collection: 'compound_index', time: 'requestedAt' }), context);

    await purger.check();
    expect(await purger.openWalk(cutoff).nextBatch()).toEqual({ deleted: 1, done: true });
    expect(await c.countDocuments({})).toBe(1);
  });

  it('creates { field: 1 } named like mongod does when createIndex is true, logs it, then purges', async () => {
    const c = mongo.db.collection('create_index');
    await c.insertMany([{ requestedAt: old }, { requestedAt: old }, { requestedAt: cutoff }]);
    const lines: string[] = [];
    const logged = createMongoStore(
      { url: mongo.url },
      createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } }),
    );
    try {
      const purger = logged.agePurger(mongoTarget({ collection: 'create_index', time: 'requestedAt', createIndex: true }), context);

      await purger.check();
      const index = (await c.listIndexes().toArray()).find((i) => i.name === 'requestedAt_1');
      expect(index?.key).toEqual({ requestedAt: 1 });
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries).toContainEqual(
        expect.objectContaining({ level: 30, store: 'mongo', collection: 'create_index', index: 'requestedAt_1' }),
      );
      expect(await purger.openWalk(cutoff).nextBatch()).toEqual({ deleted: 2, done: true });
      expect(await c.countDocuments({})).toBe(1);
    } finally {
      await logged.close();
    }
  });

  it('treats a collection that does not exist as empty, and does not create it', async () => {
    const purger = store.agePurger(mongoTarget({ collection: 'never_created', time: 'requestedAt', createIndex: true }), context);

    await purger.check();
    expect(await purger.count(cutoff)).toEqual({ due: 0, total: 0, unusableTime: 0 });
    expect(await purger.inspect(cutoff)).toEqual({ oldest: null, overdue: 0, unusableTime: 0 });
    expect(await purger.openWalk(cutoff).nextBatch()).toEqual({ deleted: 0, done: true });
    expect(await collectionNames()).not.toContain('never_created');
  });

  it('notices, on a later call, an index or a collection created after a refusal or an empty check', async () => {
    const refused = store.agePurger(mongoTarget({ collection: 'index_later', time: 'requestedAt' }), context);
    const missing = store.agePurger(mongoTarget({ collection: 'created_later', time: 'requestedAt' }), context);
    const c = mongo.db.collection('index_later');
    await c.insertOne({ requestedAt: old });
    await refusalOf(refused.check());
    expect(await missing.count(cutoff)).toEqual({ due: 0, total: 0, unusableTime: 0 });

    await c.createIndex({ requestedAt: 1 });
    const created = mongo.db.collection('created_later');
    await created.createIndex({ requestedAt: 1 });
    await created.insertOne({ requestedAt: old });
    await refused.check();
    expect(await refused.openWalk(cutoff).nextBatch()).toEqual({ deleted: 1, done: true });
    expect(await missing.count(cutoff)).toEqual({ due: 1, total: 1, unusableTime: 0 });
  });

  it('refuses a subject purge when the subject field has no index, and accepts a hashed one', async () => {
    const c = mongo.db.collection('subject_index');
    await c.insertOne({ appId: 7 });
    const target = mongoTarget({ collection: 'subject_index', subject: 'appId' });

    const refusal = await refusalOf(store.subjectPurger(target, context).check());
    expect(refusal.reason).toBe('no-index');
    await refusalOf(store.subjectPurger(target, context).purgeSubjects(['7']));
    expect(await c.countDocuments({})).toBe(1);

    await c.createIndex({ appId: 'hashed' });
    const purger = store.subjectPurger(target, context);
    await purger.check();
    expect(await purger.purgeSubjects(['7'])).toEqual(new Map([['7', 1]]));
  });

  it('does not take a hashed index for a time field (it cannot serve a range)', async () => {
    const c = mongo.db.collection('hashed_time');
    await c.createIndex({ requestedAt: 'hashed' });
    await c.insertOne({ requestedAt: old });
    const purger = store.agePurger(mongoTarget({ collection: 'hashed_time', time: 'requestedAt' }), context);

    expect((await refusalOf(purger.check())).reason).toBe('no-index');
  });
});
