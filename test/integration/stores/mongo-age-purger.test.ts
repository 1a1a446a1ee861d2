import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Long, type Document } from 'mongodb';
import { silentLogger } from '../../../src/logging/logger.js';
import { createMongoStore } from '../../../src/stores/mongo/mongo-store.js';
import type { AgePurger, Store } from '../../../src/stores/purger.js';
import { createTestMongoDatabase, mongoTarget, type TestMongoDatabase } from '../../support/mongo.js';

const context = { zone: 'UTC' };
const cutoff = new Date('2026-11-21T10:00:00.012Z');
const at = (offsetMs: number) => new Date(cutoff.getTime() + offsetMs);

let mongo: TestMongoDatabase;
let store: Store;

beforeAll(async () => {
  mongo = await createTestMongoDatabase('mongo_age');
  store = createMongoStore({ url: mongo.url }, silentLogger());
});

afterAll(async () => {
  await store?.close();
  await mongo?.drop();
});

/** A fresh collection with an index on `field`, filled with `docs`. */
async function collectionWith(name: string, docs: Document[], field = 'requestedAt') {
  const collection = mongo.db.collection(name);
  await collection.createIndex({ [field]: 1 });
  if (docs.length > 0) await collection.insertMany(docs);
  return collection;
}

/** Runs a whole walk; returns the batches it took and what they deleted. */
async function walkAll(purger: AgePurger, walkCutoff: Date) {
  const walk = purger.openWalk(walkCutoff);
  const batches: number[] = [];
  for (let i = 0; i < 1000; i += 1) {
    const batch = await walk.nextBatch();
    batches.push(batch.deleted);
    if (batch.done) return batches;
  }
  throw new Error('the walk never finished');
}

describe('mongo age purger: datetime', () => {
  it('deletes a document 1 ms before the cutoff and keeps the ones at the cutoff and 1 ms after', async () => {
    const c = await collectionWith('boundary', [
      { _id: 'before', requestedAt: at(-1) },
      { _id: 'at', requestedAt: at(0) },
      { _id: 'after', requestedAt: at(1) },
    ]);
    const purger = store.agePurger(mongoTarget({ collection: 'boundary', time: 'requestedAt' }), context);
    await purger.check();

    expect(await walkAll(purger, cutoff)).toEqual([1]);
    const left = await c.find({}, { sort: { _id: 1 } }).toArray();
    expect(left.map((d) => d._id)).toEqual(['after', 'at']);
  });

  it('deletes a backlog in several batches of batchSize, oldest first, and stops on a short batch', async () => {
    const docs = Array.from({ length: 230 }, (_, i) => ({ requestedAt: at(-1 - i * 1000) }));
    const kept = Array.from({ length: 70 }, (_, i) => ({ requestedAt: at(i * 1000) }));
    const c = await collectionWith('backlog', [...docs, ...kept]);
    const purger = store.agePurger(mongoTarget({ collection: 'backlog', time: 'requestedAt', batchSize: 50 }), context);
    await purger.check();

    expect(await walkAll(purger, cutoff)).toEqual([50, 50, 50, 50, 30]);
    expect(await c.countDocuments({})).toBe(70);
    expect(await c.countDocuments({ requestedAt: { $lt: cutoff } })).toBe(0);
  });

  it('takes the oldest due documents first, so a walk stopped early leaves the newest', async () => {
    const c = await collectionWith(
      'oldest-first',
      Array.from({ length: 30 }, (_, i) => ({ n: i, requestedAt: at(-1 - i * 60_000) })),
    );
    const purger = store.agePurger(mongoTarget({ collection: 'oldest-first', time: 'requestedAt', batchSize: 10 }), context);
    await purger.check();

    const walk = purger.openWalk(cutoff);
    expect(await walk.nextBatch()).toEqual({ deleted: 10, done: false });
    const left = await c.find({}, { projection: { _id: 0, n: 1 }, sort: { n: 1 } }).toArray();
    expect(left.map((d) => d.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('ends with an empty batch when the backlog is an exact multiple of batchSize', async () => {
    await collectionWith(
      'multiple',
      Array.from({ length: 40 }, (_, i) => ({ requestedAt: at(-1 - i) })),
    );
    const purger = store.agePurger(mongoTarget({ collection: 'multiple', time: 'requestedAt', batchSize: 20 }), context);
    await purger.check();

    expect(await walkAll(purger, cutoff)).toEqual([20, 20, 0]);
  });

  it('keeps documents whose time is missing, null, a string, a number or an array, and counts them as unusable', async () => {
    const old = at(-86_400_000);
    const c = await collectionWith('unusable', [
      { _id: 'date', requestedAt: old },
      { _id: 'missing' },
      { _id: 'null', requestedAt: null },
      { _id: 'string', requestedAt: old.toISOString() },
      { _id: 'number', requestedAt: old.getTime() },
      { _id: 'array', requestedAt: [old, at(86_400_000)] },
      { _id: 'empty-array', requestedAt: [] },
      { _id: 'recent', requestedAt: at(5) },
    ]);
    const purger = store.agePurger(mongoTarget({ collection: 'unusable', time: 'requestedAt' }), context);
    await purger.check();

    expect(await purger.count(cutoff)).toEqual({ due: 1, total: 8, unusableTime: 6 });
    expect(await walkAll(purger, cutoff)).toEqual([1]);
    const left = await c.find({}, { sort: { _id: 1 } }).toArray();
    expect(left.map((d) => d._id)).toEqual(['array', 'empty-array', 'missing', 'null', 'number', 'recent', 'string']);
    expect((await purger.inspect(cutoff)).unusableTime).toBe(6);
  });

  it('counts due, total and unusable for a dry run without deleting anything', async () => {
    const c = await collectionWith('dry-run', [
      ...Array.from({ length: 12 }, (_, i) => ({ requestedAt: at(-1 - i) })),
      ...Array.from({ length: 5 }, (_, i) => ({ requestedAt: at(i) })),
      { requestedAt: 'yesterday' },
    ]);
    const purger = store.agePurger(mongoTarget({ collection: 'dry-run', time: 'requestedAt', batchSize: 5 }), context);
    await purger.check();

    expect(await purger.count(cutoff)).toEqual({ due: 12, total: 18, unusableTime: 1 });
    expect(await c.countDocuments({})).toBe(18);
  });

  it('reports the oldest usable time, the overdue count and the unusable count', async () => {
    await collectionWith('inspect', [
      { requestedAt: at(-3_000) },
      { requestedAt: at(-2_000) },
      { requestedAt: at(0) },
      { requestedAt: 17 },
      { other: true },
    ]);
    const purger = store.agePurger(mongoTarget({ collection: 'inspect', time: 'requestedAt' }), context);
    await purger.check();

    expect(await purger.inspect(cutoff)).toEqual({ oldest: at(-3_000), overdue: 2, unusableTime: 2 });
    expect(await purger.inspect(at(-3_000))).toEqual({ oldest: at(-3_000), overdue: 0, unusableTime: 2 });
  });

  it('reports no oldest record for an empty collection', async () => {
    await collectionWith('inspect-empty', []);
    const purger = store.agePurger(mongoTarget({ collection: 'inspect-empty', time: 'requestedAt' }), context);
    expect(await purger.inspect(cutoff)).toEqual({ oldest: null, overdue: 0, unusableTime: 0 });
  });
});

describe('mongo age purger: epoch formats', () => {
  it('epoch_ms compares numbers to the millisecond, whatever their BSON numeric type, and keeps Dates as unusable', async () => {
    const ms = cutoff.getTime();
    const c = await collectionWith(
      'epoch-ms',
      [
        { _id: 'double-before', t: ms - 1 },
        { _id: 'long-before', t: Long.fromNumber(ms - 1) },
        { _id: 'double-at', t: ms },
        { _id: 'long-after', t: Long.fromNumber(ms + 1) },
        { _id: 'date-before', t: at(-1) },
        { _id: 'string-before', t: String(ms - 1) },
      ],
      't',
    );
    const purger = store.agePurger(mongoTarget({ collection: 'epoch-ms', time: 't', timeFormat: 'epoch_ms' }), context);
    await purger.check();

    expect(await purger.count(cutoff)).toEqual({ due: 2, total: 6, unusableTime: 2 });
    expect(await purger.inspect(cutoff)).toEqual({ oldest: at(-1), overdue: 2, unusableTime: 2 });
    expect(await walkAll(purger, cutoff)).toEqual([2]);
    const left = await c.find({}, { sort: { _id: 1 } }).toArray();
    expect(left.map((d) => d._id)).toEqual(['date-before', 'double-at', 'long-after', 'string-before']);
  });

  it('epoch_s keeps the strict boundary when the cutoff falls inside a second', async () => {
    // cutoff = …:00.012: a record stamped …:00 is 12 ms before it (due); …:01 is after it (kept).
    const seconds = Math.floor(cutoff.getTime() / 1000);
    const c = await collectionWith(
      'epoch-s',
      [
        { _id: 'second-before', t: seconds - 1 },
        { _id: 'same-second', t: seconds },
        { _id: 'next-second', t: seconds + 1 },
      ],
      't',
    );
    const purger = store.agePurger(mongoTarget({ collection: 'epoch-s', time: 't', timeFormat: 'epoch_s' }), context);
    await purger.check();

    expect(await purger.inspect(cutoff)).toMatchObject({ oldest: new Date((seconds - 1) * 1000), overdue: 2 });
    expect(await walkAll(purger, cutoff)).toEqual([2]);
    expect((await c.find({}).toArray()).map((d) => d._id)).toEqual(['next-second']);
  });

  it('refuses epoch seconds declared epoch_ms: they would all read as January 1970 and be due, tomorrow included', async () => {
    const seconds = Math.floor(Date.now() / 1000);
    const c = await collectionWith(
      'epoch-s-as-ms',
      [
        { _id: 'month-ago', t: seconds - 30 * 86_400 },
        { _id: 'tomorrow', t: seconds + 86_400 },
        { _id: 'zero', t: 0 },
      ],
      't',
    );
    const purger = store.agePurger(mongoTarget({ collection: 'epoch-s-as-ms', time: 't', timeFormat: 'epoch_ms' }), context);
    await expect(purger.check()).rejects.toMatchObject({
      reason: 'implausible-time',
      message: expect.stringMatching(/epoch-s-as-ms\.t holds values that read as 1970-01-/),
    });
    expect(await c.countDocuments({})).toBe(3);
    // Declared right, it passes.
    await store.agePurger(mongoTarget({ collection: 'epoch-s-as-ms', time: 't', timeFormat: 'epoch_s' }), context).check();
  });
});
