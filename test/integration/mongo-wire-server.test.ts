/**
 * The official driver against the in-memory wire-protocol server (test/support/mongo-wire-server.ts).
 * Set TEST_MONGO_URL (e.g. mongodb://127.0.0.1:27017/) to run the same checks against a real
 * mongod; assertions that only make sense for the test server are marked as such.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BSON,
  Decimal128,
  Long,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  ObjectId,
  type Collection,
  type CommandStartedEvent,
  type Db,
  type Document,
} from 'mongodb';
import { startMongoWireServer, type MongoWireServer } from '../support/mongo-wire-server.js';

const externalUrl = process.env.TEST_MONGO_URL ?? '';
const usingWireServer = externalUrl === '';
const DB_NAME = `wire_server_test_${process.pid}`;
const BASE_TIME = Date.UTC(2024, 0, 1);
const TOTAL = 2500;

/** `mongodb://host:port/` or `mongodb://host:port/?opts` → the same URL naming database `db`. */
function urlWithDatabase(url: string, db: string): string {
  const [base = '', query] = url.split('?');
  const hostsEnd = base.indexOf('/', base.indexOf('://') + 3);
  const root = hostsEnd === -1 ? `${base}/` : base.slice(0, hostsEnd + 1);
  return `${root}${db}${query === undefined ? '' : `?${query}`}`;
}

interface Request {
  _id: number;
  seq: number;
  requestedAt: Date;
  kind: string;
}

interface NumbersDoc {
  _id: string;
  big: Long | bigint;
  small: bigint | number;
  int: number | bigint;
  double: number;
  when: Date;
}

let server: MongoWireServer | undefined;
let url: string;
let client: MongoClient;
let db: Db;
const started: CommandStartedEvent[] = [];

beforeAll(async () => {
  if (usingWireServer) server = await startMongoWireServer();
  url = externalUrl || (server as MongoWireServer).url;
  client = new MongoClient(urlWithDatabase(url, DB_NAME), { serverSelectionTimeoutMS: 2000, monitorCommands: true });
  client.on('commandStarted', (event) => started.push(event));
  await client.connect();
  db = client.db();
  await db.dropDatabase();
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
  await server?.close();
});

const commandsNamed = (name: string): CommandStartedEvent[] => started.filter((event) => event.commandName === name);

describe('handshake and admin commands', () => {
  it('advertises a writable standalone MongoDB 7.0', async () => {
    const hello = await db.admin().command({ hello: 1 });
    expect(hello.isWritablePrimary).toBe(true);
    if (usingWireServer) expect(hello.setName).toBeUndefined(); // a standalone
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(21);
    expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(hello.localTime).toBeInstanceOf(Date);

    const info = await db.admin().buildInfo();
    expect(info.versionArray[0]).toBeGreaterThanOrEqual(7);
    if (usingWireServer) expect(info.version).toBe('7.0.0');

    expect((await db.admin().ping()).ok).toBe(1);
  });

  it('answers an unknown command like mongod', async () => {
    const error = await db.command({ noSuchCommandHere: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(59);
    expect((error as MongoServerError).codeName).toBe('CommandNotFound');
    expect((error as MongoServerError).message).toBe("no such command: 'noSuchCommandHere'");
  });
});

describe('a collection of 2500 dated requests', () => {
  let requests: Collection<Request>;

  beforeAll(async () => {
    requests = db.collection<Request>('requests');
    const docs: Request[] = [];
    // Inserted in a scrambled order so that sorting is really exercised.
    for (let i = 0; i < TOTAL; i++) {
      const seq = (i * 7919) % TOTAL;
      docs.push({ _id: seq, seq, requestedAt: new Date(BASE_TIME + seq * 1000), kind: seq % 3 === 0 ? 'a' : 'b' });
    }
    const result = await requests.insertMany(docs);
    expect(result.insertedCount).toBe(TOTAL);
  });

  it('iterates a sorted cursor across getMore batches', async () => {
    const before = commandsNamed('getMore').length;
    const seen: number[] = [];
    for await (const doc of requests.find({}, { sort: { requestedAt: -1 }, batchSize: 300 })) seen.push(doc.seq);
    expect(seen).toHaveLength(TOTAL);
    expect(seen).toEqual([...Array(TOTAL).keys()].reverse());
    expect(commandsNamed('getMore').length - before).toBeGreaterThanOrEqual(8);

    const limited = await requests.find({}, { sort: { requestedAt: 1 }, limit: 1234, batchSize: 100 }).toArray();
    expect(limited.map((doc) => doc.seq)).toEqual([...Array(1234).keys()]);

    const skipped = await requests.find({ kind: 'a' }, { sort: { seq: 1 }, skip: 10, limit: 5 }).toArray();
    expect(skipped.map((doc) => doc.seq)).toEqual([30, 33, 36, 39, 42]);
  });

  it('returns natural (insertion) order without a sort, with the default batch size', async () => {
    const docs = await requests.find().toArray();
    expect(docs).toHaveLength(TOTAL);
    expect(docs[1]?.seq).toBe(7919 % TOTAL);
    expect(docs[0]?.requestedAt).toEqual(new Date(BASE_TIME));
  });

  it('applies projections', async () => {
    const [only] = await requests.find({ seq: 5 }, { projection: { _id: 0, seq: 1 } }).toArray();
    expect(only).toEqual({ seq: 5 });
    const [without] = await requests.find({ seq: 5 }, { projection: { requestedAt: 0, kind: 0 } }).toArray();
    expect(without).toEqual({ _id: 5, seq: 5 });
    const [ordered] = await requests.find({ seq: 5 }, { projection: { kind: 1, seq: 1 } }).toArray();
    expect(Object.keys(ordered ?? {})).toEqual(['_id', 'seq', 'kind']); // document order, not projection order
  });

  it('counts documents, estimated and exact', async () => {
    expect(await requests.estimatedDocumentCount()).toBe(TOTAL);
    expect(await requests.countDocuments()).toBe(TOTAL);
    expect(await requests.countDocuments({ requestedAt: { $lt: new Date(BASE_TIME + 100_000) } })).toBe(100);
    expect(await requests.countDocuments({ kind: 'a' }, { limit: 10 })).toBe(10);
    expect(await requests.countDocuments({ nothing: 'here' })).toBe(0);
  });

  it('creates and lists indexes, with mongod default names', async () => {
    expect(await requests.createIndex({ requestedAt: 1 })).toBe('requestedAt_1');
    expect(await requests.createIndex({ kind: 1, seq: -1 })).toBe('kind_1_seq_-1');
    expect(await requests.createIndex({ requestedAt: 1 })).toBe('requestedAt_1'); // already there: fine

    const listed = await requests.listIndexes().toArray();
    expect(listed.map((index) => index.name)).toEqual(['_id_', 'requestedAt_1', 'kind_1_seq_-1']);
    expect(listed[2]?.key).toEqual({ kind: 1, seq: -1 });
    const indexes = await requests.indexes();
    expect(indexes.find((index) => index.name === '_id_')?.key).toEqual({ _id: 1 });
    expect(await requests.indexExists('requestedAt_1')).toBe(true);
  });

  it('accepts a hint naming an index or its key, and refuses one naming none', async () => {
    const cutoff = new Date(BASE_TIME + 10_000);
    const byName = await requests.find({ requestedAt: { $lt: cutoff } }, { hint: 'requestedAt_1', sort: { requestedAt: 1 } }).toArray();
    expect(byName.map((doc) => doc.seq)).toEqual([...Array(10).keys()]);
    const byKey = await requests.find({ requestedAt: { $lt: cutoff } }, { hint: { requestedAt: 1 } }).toArray();
    expect(byKey).toHaveLength(10);
    expect(await requests.countDocuments({ requestedAt: { $lt: cutoff } }, { hint: 'requestedAt_1' })).toBe(10);

    const error = await requests
      .find({}, { hint: 'no_such_index' })
      .toArray()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(2);
    expect((error as MongoServerError).message).toMatch(/hint provided does not correspond to an existing index/);
  });

  it('aggregates with $match, $group, $sort, $project and $count', async () => {
    const groups = await requests
      .aggregate<{ _id: string; n: number; first: Date; last: Date }>([
        { $match: { seq: { $lt: 30 } } },
        { $group: { _id: '$kind', n: { $sum: 1 }, first: { $min: '$requestedAt' }, last: { $max: '$requestedAt' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(groups).toEqual([
      { _id: 'a', n: 10, first: new Date(BASE_TIME), last: new Date(BASE_TIME + 27_000) },
      { _id: 'b', n: 20, first: new Date(BASE_TIME + 1000), last: new Date(BASE_TIME + 29_000) },
    ]);
    const [counted] = await requests.aggregate([{ $match: { kind: 'a' } }, { $count: 'total' }]).toArray();
    expect(counted).toEqual({ total: 834 });
    const projected = await requests
      .aggregate([{ $sort: { seq: -1 } }, { $skip: 1 }, { $limit: 2 }, { $project: { _id: 0, seq: 1 } }])
      .toArray();
    expect(projected).toEqual([{ seq: 2498 }, { seq: 2497 }]);
  });

  it('lists distinct values', async () => {
    expect((await requests.distinct('kind')).sort()).toEqual(['a', 'b']);
    expect(await requests.distinct('seq', { seq: { $in: [1, 2, 3] } })).toHaveLength(3);
  });

  it('deletes exactly the documents strictly older than a Date cutoff (equal stays)', async () => {
    const cutoff = new Date(BASE_TIME + 1000 * 1000); // requestedAt of seq 1000
    const result = await requests.deleteMany({ requestedAt: { $lt: cutoff } });
    expect(result.deletedCount).toBe(1000);
    expect(await requests.countDocuments()).toBe(TOTAL - 1000);
    const [oldest] = await requests.find({}, { sort: { requestedAt: 1 }, limit: 1 }).toArray();
    expect(oldest?.seq).toBe(1000);
    expect(oldest?.requestedAt.getTime()).toBe(cutoff.getTime());

    // One millisecond later: the boundary document now goes too, and only it.
    const next = await requests.deleteMany({ requestedAt: { $lt: new Date(cutoff.getTime() + 1) } });
    expect(next.deletedCount).toBe(1);
  });

  it('deletes by $in on ids, in batches like a purge walk', async () => {
    const batch = await requests.find({}, { projection: { _id: 1 }, sort: { requestedAt: 1 }, limit: 100 }).toArray();
    const ids = batch.map((doc) => doc._id);
    expect(ids[0]).toBe(1001);
    expect(await requests.countDocuments({ _id: { $in: ids } })).toBe(100);
    const result = await requests.deleteMany({ requestedAt: { $lt: new Date(BASE_TIME + 5_000_000) }, _id: { $in: ids } });
    expect(result.deletedCount).toBe(100);
    expect(await requests.countDocuments({ _id: { $in: ids } })).toBe(0);
    expect(await requests.deleteOne({ _id: 2499 })).toMatchObject({ deletedCount: 1 });
    expect(await requests.deleteOne({ _id: 2499 })).toMatchObject({ deletedCount: 0 });
  });

  it('drops the collection', async () => {
    expect(await requests.drop()).toBe(true);
    expect(await requests.countDocuments()).toBe(0);
    const names = (await db.listCollections().toArray()).map((info) => info.name);
    expect(names).not.toContain('requests');
    const error = await requests
      .listIndexes()
      .toArray()
      .catch((e: unknown) => e);
    expect((error as MongoServerError).code).toBe(26); // NamespaceNotFound
  });
});

describe('type bracketing of Date comparisons', () => {
  const cutoff = new Date(BASE_TIME);

  it('$lt <Date> matches only Dates, never numbers, strings, null or a missing field', async () => {
    const mixed = db.collection<{ _id: string; t?: unknown }>('mixed');
    await mixed.insertMany([
      { _id: 'old-date', t: new Date(BASE_TIME - 1) },
      { _id: 'equal-date', t: new Date(BASE_TIME) },
      { _id: 'new-date', t: new Date(BASE_TIME + 1) },
      { _id: 'zero', t: 0 },
      { _id: 'negative', t: -1 },
      { _id: 'long', t: Long.fromNumber(3) },
      { _id: 'decimal', t: Decimal128.fromString('2.5') },
      { _id: 'string', t: '1970-01-01T00:00:00Z' },
      { _id: 'null', t: null },
      { _id: 'missing' },
      { _id: 'array', t: [new Date(BASE_TIME - 5), 'x'] },
    ]);
    const ids = async (filter: object): Promise<string[]> =>
      (await mixed.find(filter, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id);

    expect(await ids({ t: { $lt: cutoff } })).toEqual(['array', 'old-date']);
    expect(await ids({ t: { $lte: cutoff } })).toEqual(['array', 'equal-date', 'old-date']);
    expect(await ids({ t: { $lt: 5 } })).toEqual(['decimal', 'long', 'negative', 'zero']);
    expect(await ids({ t: { $gt: '1' } })).toEqual(['array', 'string']);
    expect(await ids({ t: { $type: 'date' } })).toEqual(['array', 'equal-date', 'new-date', 'old-date']);
    expect(await ids({ t: { $type: 'number' } })).toEqual(['decimal', 'long', 'negative', 'zero']);
    expect(await ids({ t: { $lt: cutoff, $not: { $type: 'array' } } })).toEqual(['old-date']);
    expect(await ids({ t: null })).toEqual(['missing', 'null']);

    const deleted = await mixed.deleteMany({ t: { $lt: cutoff, $not: { $type: 'array' } } });
    expect(deleted.deletedCount).toBe(1);
    expect(await mixed.countDocuments()).toBe(10);
  });

  it('sorts across types as mongod does: null/missing < numbers < strings < ObjectId < Dates', async () => {
    const sorted = db.collection<{ _id: number; v?: unknown }>('sorted');
    const oid = new ObjectId();
    await sorted.insertMany([
      { _id: 1, v: new Date(BASE_TIME) },
      { _id: 2, v: 'text' },
      { _id: 3, v: 10 },
      { _id: 4 },
      { _id: 5, v: Long.fromNumber(2) },
      { _id: 6, v: oid },
      { _id: 7, v: new Date(BASE_TIME - 1) },
      { _id: 8, v: null },
      { _id: 9, v: 2 },
    ]);
    const ascending = (await sorted.find({}, { sort: { v: 1, _id: 1 } }).toArray()).map((doc) => doc._id);
    expect(ascending).toEqual([4, 8, 5, 9, 3, 2, 6, 7, 1]);
    const descending = (await sorted.find({}, { sort: { v: -1, _id: 1 } }).toArray()).map((doc) => doc._id);
    expect(descending).toEqual([1, 7, 6, 2, 3, 5, 9, 4, 8]);
  });

  it('sorts compound keys stably ({ requestedAt: 1, _id: 1 })', async () => {
    const ties = db.collection<{ _id: ObjectId; requestedAt: Date; n: number }>('ties');
    const docs = Array.from({ length: 300 }, (_, n) => ({
      _id: new ObjectId(),
      requestedAt: new Date(BASE_TIME + (n % 7) * 1000),
      n,
    }));
    await ties.insertMany([...docs].reverse());
    const expected = [...docs]
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || a._id.toHexString().localeCompare(b._id.toHexString()))
      .map((doc) => doc.n);
    const actual = (await ties.find({}, { sort: { requestedAt: 1, _id: 1 }, batchSize: 50 }).toArray()).map((doc) => doc.n);
    expect(actual).toEqual(expected);

    const oneDay = docs.filter((doc) => doc.n % 7 === 3).map((doc) => doc._id);
    const some = oneDay.slice(0, 5);
    const byIn = await ties.find({ _id: { $in: some } }).toArray();
    expect(byIn.map((doc) => doc._id.toHexString()).sort()).toEqual(some.map((id) => id.toHexString()).sort());
  });
});

describe('writes', () => {
  it('refuses duplicate _id values with E11000', async () => {
    const dups = db.collection<{ _id: ObjectId | number; v?: number }>('dups');
    const id = new ObjectId();
    await dups.insertOne({ _id: id });
    const single = await dups.insertOne({ _id: id }).catch((e: unknown) => e);
    expect(single).toBeInstanceOf(MongoServerError);
    expect((single as MongoServerError).code).toBe(11000);
    expect((single as MongoServerError).message).toContain(`dup key: { _id: ObjectId('${id.toHexString()}') }`);

    const bulk = await dups.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }], { ordered: false }).catch((e: unknown) => e);
    expect(bulk).toBeInstanceOf(MongoBulkWriteError);
    expect((bulk as MongoBulkWriteError).insertedCount).toBe(2);
    expect((bulk as MongoBulkWriteError).writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
    expect(await dups.countDocuments()).toBe(3);
  });

  it('enforces unique indexes', async () => {
    const users = db.collection<{ email: string }>('users');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'a@example.com' });
    const error = await users.insertOne({ email: 'a@example.com' }).catch((e: unknown) => e);
    expect((error as MongoServerError).code).toBe(11000);
    expect((error as MongoServerError).keyValue).toEqual({ email: 'a@example.com' });
    await users.dropIndex('email_1');
    await users.insertOne({ email: 'a@example.com' });
    expect(await users.countDocuments({ email: 'a@example.com' })).toBe(2);
  });

  it('updates with $set, $unset, $inc, upserts and findOneAndUpdate', async () => {
    const items = db.collection<{ _id: string; n?: number; tag?: string; gone?: boolean }>('items');
    await items.insertMany([
      { _id: 'x', n: 1, gone: true },
      { _id: 'y', n: 2 },
    ]);
    const one = await items.updateOne({ _id: 'x' }, { $set: { tag: 't' }, $unset: { gone: '' }, $inc: { n: 10 } });
    expect(one).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await items.findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 11, tag: 't' });

    const many = await items.updateMany({}, { $inc: { n: 1 } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    const noop = await items.updateOne({ _id: 'y' }, { $set: { n: 3 } });
    expect(noop).toMatchObject({ matchedCount: 1, modifiedCount: 0 });

    const upsert = await items.updateOne({ _id: 'z', tag: 'new' }, { $set: { n: 5 } }, { upsert: true });
    expect(upsert).toMatchObject({ matchedCount: 0, upsertedCount: 1, upsertedId: 'z' });
    expect(await items.findOne({ _id: 'z' })).toEqual({ _id: 'z', tag: 'new', n: 5 });

    const replaced = await items.replaceOne({ _id: 'y' }, { n: 100 });
    expect(replaced.modifiedCount).toBe(1);
    expect(await items.findOne({ _id: 'y' })).toEqual({ _id: 'y', n: 100 });

    const after = await items.findOneAndUpdate({ _id: 'y' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
    expect(after).toEqual({ _id: 'y', n: 101 });
    const removed = await items.findOneAndDelete({ _id: 'z' });
    expect(removed).toEqual({ _id: 'z', tag: 'new', n: 5 });
    expect(await items.countDocuments()).toBe(2);

    const immutable = await items.updateOne({ _id: 'y' }, { $set: { _id: 'other' } }).catch((e: unknown) => e);
    expect((immutable as MongoServerError).code).toBe(66);
  });

  it('round-trips Long / BigInt values and compares them as numbers', async () => {
    const numbers = db.collection<NumbersDoc>('numbers');
    const big = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a double
    await numbers.insertOne({ _id: 'n', big: Long.fromBigInt(big), small: 5n, int: 7, double: 1.5, when: new Date(BASE_TIME) });

    const asBigInt = await numbers.findOne({ _id: 'n' }, { useBigInt64: true });
    expect(asBigInt?.big).toBe(big);
    expect(asBigInt?.small).toBe(5n);
    expect(asBigInt?.int).toBe(7);
    expect(asBigInt?.double).toBe(1.5);
    expect(asBigInt?.when).toEqual(new Date(BASE_TIME));

    const asLong = await numbers.findOne({ _id: 'n' }, { promoteLongs: false });
    expect(asLong?.big).toBeInstanceOf(Long);
    expect((asLong?.big as Long).toString()).toBe(big.toString());

    const promoted = await numbers.findOne({ _id: 'n' });
    expect(promoted?.small).toBe(5);

    expect(await numbers.countDocuments({ small: { $gt: 4, $lt: 6 } })).toBe(1);
    expect(await numbers.countDocuments({ small: 5 })).toBe(1);
    expect(await numbers.countDocuments({ int: { $lt: 10n } })).toBe(1);

    await numbers.updateOne({ _id: 'n' }, { $inc: { small: 1, int: 1 } });
    const incremented = await numbers.findOne({ _id: 'n' }, { useBigInt64: true });
    expect(incremented?.small).toBe(6n);
    expect(incremented?.int).toBe(8);
    expect(incremented?.big).toBe(big);
  });

  it('compares int64 values beyond 2^53 exactly, against each other and against doubles', async () => {
    const wide = db.collection<{ _id: string; v: Long | number }>('wide');
    await wide.insertMany([
      { _id: 'long-2^53+1', v: Long.fromString('9007199254740993') },
      { _id: 'long-2^53+3', v: Long.fromString('9007199254740995') },
      { _id: 'double-2^53', v: Number('9007199254740993') }, // rounds to 2^53
      { _id: 'double-2^53+2', v: 9_007_199_254_740_994 }, // exact as a double
    ]);
    const ids = async (filter: object): Promise<string[]> =>
      (await wide.find(filter, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id);

    expect(await ids({ v: Long.fromString('9007199254740993') })).toEqual(['long-2^53+1']);
    expect(await ids({ v: { $in: [Long.fromString('9007199254740993'), 'x'] } })).toEqual(['long-2^53+1']);
    expect(await ids({ v: 9_007_199_254_740_992 })).toEqual(['double-2^53']);
    expect(await ids({ v: Long.fromString('9007199254740994') })).toEqual(['double-2^53+2']);
    expect(await ids({ v: { $gt: Long.fromString('9007199254740993') } })).toEqual(['double-2^53+2', 'long-2^53+3']);
    expect(await ids({ v: { $lt: Long.fromString('9007199254740993') } })).toEqual(['double-2^53']);
    expect(await ids({ v: { $gte: 9_007_199_254_740_994, $lte: Long.fromString('9007199254740995') } })).toEqual([
      'double-2^53+2',
      'long-2^53+3',
    ]);
    const ascending = await wide.find({}, { sort: { v: 1 } }).toArray();
    expect(ascending.map((doc) => doc._id)).toEqual(['double-2^53', 'long-2^53+1', 'double-2^53+2', 'long-2^53+3']);
    expect(await wide.distinct('v')).toHaveLength(4);
    expect(await ids({ v: { $type: 'number' } })).toHaveLength(4);
  });

  it('processes unacknowledged (w: 0) writes, which get no reply', async () => {
    const single = new MongoClient(urlWithDatabase(url, DB_NAME), { serverSelectionTimeoutMS: 2000, maxPoolSize: 1 });
    try {
      const fireAndForget = single.db().collection<{ _id: number }>('unacknowledged');
      const result = await fireAndForget.insertOne({ _id: 1 }, { writeConcern: { w: 0 } });
      expect(result.acknowledged).toBe(false);
      expect(await fireAndForget.countDocuments()).toBe(1);
    } finally {
      await single.close();
    }
  });
});

describe('databases and collections', () => {
  it('creates, lists and drops collections and databases', async () => {
    await db.createCollection('explicit');
    const infos = await db.listCollections({ name: 'explicit' }).toArray();
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ name: 'explicit', type: 'collection' });
    expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name)).toContain('explicit');

    const { databases } = await db.admin().listDatabases();
    expect(databases.map((database) => database.name)).toContain(DB_NAME);

    expect(await db.dropCollection('explicit')).toBe(true);
    expect(await db.dropDatabase()).toBe(true);
    const after = await db.admin().listDatabases();
    expect(after.databases.map((database) => database.name)).not.toContain(DB_NAME);
    expect(await db.listCollections().toArray()).toEqual([]);
  });
});

describe.runIf(usingWireServer)('server lifecycle', () => {
  it('closes promptly while clients are still connected, and clients close cleanly', async () => {
    const other = await startMongoWireServer();
    expect(other.url).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    expect(other.url).toBe(`mongodb://127.0.0.1:${other.port}/`);
    const connected = new MongoClient(`${other.url}lifecycle`, { serverSelectionTimeoutMS: 2000 });
    await connected.db().collection('c').insertOne({ a: 1 });
    const startedAt = Date.now();
    await other.close();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    await other.close(); // idempotent
    await connected.close();

    // The first server is unaffected.
    expect((await db.admin().ping()).ok).toBe(1);
  });
});

/** Hand-built wire messages, to cover what the driver never sends (checksums, OP_COMPRESSED, …). */
describe.runIf(usingWireServer)('raw wire protocol', () => {
  const bson = (document: Document): Buffer => Buffer.from(BSON.serialize(document));

  function message(opCode: number, requestId: number, payload: Buffer): Buffer {
    const header = Buffer.alloc(16);
    header.writeInt32LE(16 + payload.length, 0);
    header.writeInt32LE(requestId, 4);
    header.writeInt32LE(0, 8);
    header.writeInt32LE(opCode, 12);
    return Buffer.concat([header, payload]);
  }

  function opMsg(requestId: number, body: Document, options: { sequence?: [string, Document[]]; flags?: number } = {}): Buffer {
    const parts = [Buffer.alloc(4), Buffer.from([0]), bson(body)];
    parts[0]?.writeUInt32LE(options.flags ?? 0, 0);
    if (options.sequence) {
      const [name, documents] = options.sequence;
      const content = Buffer.concat([Buffer.from(`${name}\0`), ...documents.map(bson)]);
      const size = Buffer.alloc(4);
      size.writeInt32LE(4 + content.length, 0);
      parts.push(Buffer.from([1]), size, content);
    }
    if ((options.flags ?? 0) & 1) parts.push(Buffer.alloc(4)); // checksum: ignored by the server
    return message(2013, requestId, Buffer.concat(parts));
  }

  interface Reply {
    opCode: number;
    responseTo: number;
    document: Document;
  }

  /** Writes `messages` on one socket and collects `expected` replies (or notes that it was closed). */
  function exchange(messages: Buffer[], expected: number): Promise<{ replies: Reply[]; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect((server as MongoWireServer).port, '127.0.0.1');
      const replies: Reply[] = [];
      let pending = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('close', () => resolve({ replies, closed: true }));
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
          const frame = pending.subarray(0, pending.readInt32LE(0));
          pending = pending.subarray(frame.length);
          const opCode = frame.readInt32LE(12);
          const documentStart = opCode === 1 ? 36 : 21; // OP_REPLY : OP_MSG with one kind-0 section
          replies.push({ opCode, responseTo: frame.readInt32LE(8), document: BSON.deserialize(frame.subarray(documentStart)) });
        }
        if (replies.length >= expected) {
          socket.end();
          resolve({ replies, closed: false });
        }
      });
      socket.on('connect', () => {
        for (const part of messages) socket.write(part);
      });
    });
  }

  it('reads kind-1 document sequences, ignores a checksum and does not answer moreToCome', async () => {
    const documents = [{ _id: 1 }, { _id: 2 }];
    const { replies } = await exchange(
      [
        opMsg(11, { insert: 'raw', $db: DB_NAME }, { sequence: ['documents', documents], flags: 1 }),
        opMsg(12, { insert: 'raw', $db: DB_NAME }, { sequence: ['documents', [{ _id: 3 }]], flags: 2 }),
        opMsg(13, { count: 'raw', $db: DB_NAME }),
      ],
      2,
    );
    expect(replies).toEqual([
      { opCode: 2013, responseTo: 11, document: { n: 2, ok: 1 } },
      { opCode: 2013, responseTo: 13, document: { n: 3, ok: 1 } },
    ]);
  });

  it('answers OP_QUERY only for the handshake, and closes the connection on OP_COMPRESSED', async () => {
    const query = (requestId: number, command: Document): Buffer => {
      const flags = Buffer.alloc(4);
      const skipAndReturn = Buffer.alloc(8);
      skipAndReturn.writeInt32LE(-1, 4);
      return message(2004, requestId, Buffer.concat([flags, Buffer.from(`admin.$cmd\0`), skipAndReturn, bson(command)]));
    };
    const { replies } = await exchange([query(21, { isMaster: 1 }), query(22, { find: 'raw' })], 2);
    expect(replies[0]).toMatchObject({ opCode: 1, responseTo: 21, document: { ismaster: true, maxWireVersion: 21, ok: 1 } });
    expect(replies[1]).toMatchObject({ opCode: 1, responseTo: 22, document: { ok: 0, code: 352 } });

    const compressed = await exchange([message(2012, 31, Buffer.alloc(9))], 1);
    expect(compressed).toEqual({ replies: [], closed: true });
  });
});
