import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Double, Int32, Long, type Document } from 'mongodb';
import { silentLogger } from '../../../src/logging/logger.js';
import { createMongoStore } from '../../../src/stores/mongo/mongo-store.js';
import type { Store } from '../../../src/stores/purger.js';
import { createTestMongoDatabase, mongoTarget, type TestMongoDatabase } from '../../support/mongo.js';

const context = { zone: 'UTC' };
/** 2^53 + 1: not representable as a double; `Number(BIG)` rounds to 2^53. */
const BIG = '9007199254740993';
const BIG_NEIGHBOUR = '9007199254740992';

let mongo: TestMongoDatabase;
let store: Store;

beforeAll(async () => {
  mongo = await createTestMongoDatabase('mongo_subject');
  store = createMongoStore({ url: mongo.url }, silentLogger());
});

afterAll(async () => {
  await store?.close();
  await mongo?.drop();
});

async function settingsWith(name: string, docs: Document[]) {
  const collection = mongo.db.collection(name);
  await collection.createIndex({ appId: 1 });
  await collection.insertMany(docs);
  return collection;
}

describe('mongo subject purger', () => {
  it('deletes the documents of several subjects, whatever numeric type stores the id, and reports counts per subject', async () => {
    const c = await settingsWith('app_settings', [
      { _id: 'a-int32', appId: new Int32(1400000101) },
      { _id: 'a-double', appId: new Double(1400000101) },
      { _id: 'a-long', appId: Long.fromNumber(1400000101) },
      { _id: 'b-1', appId: 1400000102 },
      { _id: 'b-2', appId: 1400000102 },
      { _id: 'big-long', appId: Long.fromString(BIG) },
      { _id: 'keep-other', appId: 1400000199 },
      { _id: 'keep-other-long', appId: Long.fromString('9007199254741999') },
    ]);
    const purger = store.subjectPurger(mongoTarget({ collection: 'app_settings', subject: 'appId' }), context);
    await purger.check();

    const deleted = await purger.purgeSubjects(['1400000101', '1400000102', BIG, '1400000150']);
    expect(deleted).toEqual(
      new Map([
        ['1400000101', 3],
        ['1400000102', 2],
        [BIG, 1],
        ['1400000150', 0],
      ]),
    );
    const left = await c.find({}, { sort: { _id: 1 } }).toArray();
    expect(left.map((d) => d._id)).toEqual(['keep-other', 'keep-other-long']);
  });

  it('never deletes a neighbouring id above 2^53, stored as a Long or as the double it rounds to', async () => {
    const c = await settingsWith('big_ids', [
      { _id: 'big-long', appId: Long.fromString(BIG) },
      { _id: 'keep-neighbour-long', appId: Long.fromString(BIG_NEIGHBOUR) },
      { _id: 'keep-rounded-double', appId: Number(BIG) },
    ]);
    const purger = store.subjectPurger(mongoTarget({ collection: 'big_ids', subject: 'appId' }), context);

    expect(await purger.purgeSubjects([BIG])).toEqual(new Map([[BIG, 1]]));
    const left = await c.find({}, { sort: { _id: 1 } }).toArray();
    expect(left.map((d) => d._id)).toEqual(['keep-neighbour-long', 'keep-rounded-double']);
  });

  it('matches an id stored as its decimal string', async () => {
    const c = await settingsWith('string_ids', [{ appId: '1400000101' }, { appId: BIG }, { appId: '01400000101' }]);
    const purger = store.subjectPurger(mongoTarget({ collection: 'string_ids', subject: 'appId' }), context);

    expect(await purger.purgeSubjects(['1400000101', BIG])).toEqual(
      new Map([
        ['1400000101', 1],
        [BIG, 1],
      ]),
    );
    expect((await c.find({}).toArray()).map((d) => d.appId)).toEqual(['01400000101']);
  });

  it('deletes a subject with more documents than batchSize in several batches', async () => {
    const c = await settingsWith('many_docs', [
      ...Array.from({ length: 125 }, (_, i) => ({ appId: 42, tag: i })),
      ...Array.from({ length: 3 }, () => ({ appId: 43 })),
    ]);
    const purger = store.subjectPurger(mongoTarget({ collection: 'many_docs', subject: 'appId', batchSize: 50 }), context);

    expect(await purger.purgeSubjects(['42', '43'])).toEqual(
      new Map([
        ['42', 125],
        ['43', 3],
      ]),
    );
    expect(await c.countDocuments({})).toBe(0);
  });

  it('counts the documents of each subject for a dry run without deleting them', async () => {
    const c = await settingsWith('dry_run', [{ appId: 1 }, { appId: 1 }, { appId: Long.fromString(BIG) }, { appId: 2 }]);
    const purger = store.subjectPurger(mongoTarget({ collection: 'dry_run', subject: 'appId' }), context);

    expect(await purger.countSubjects(['1', BIG, '3', '1'])).toEqual(
      new Map([
        ['1', 2],
        [BIG, 1],
        ['3', 0],
      ]),
    );
    expect(await c.countDocuments({})).toBe(4);
  });

  it('reports zero for every subject of a collection that does not exist', async () => {
    const purger = store.subjectPurger(mongoTarget({ collection: 'no_such_settings', subject: 'appId' }), context);

    await purger.check();
    expect(await purger.purgeSubjects(['1', '2'])).toEqual(
      new Map([
        ['1', 0],
        ['2', 0],
      ]),
    );
    expect(await purger.countSubjects(['1'])).toEqual(new Map([['1', 0]]));
  });

  it('rejects an id that is not a decimal integer before deleting anything', async () => {
    const c = await settingsWith('bad_id', [{ appId: 5 }]);
    const purger = store.subjectPurger(mongoTarget({ collection: 'bad_id', subject: 'appId' }), context);

    await expect(purger.purgeSubjects(['5', '6 OR 1'])).rejects.toThrow(/not a decimal integer/);
    expect(await c.countDocuments({})).toBe(1);
  });
});
