import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { runWorkerCli, writeWorkerConfig } from '../support/worker-cli.js';
import { createBenchDatabase } from '../mysql/bench-database.js';

const DAY_MS = 86_400_000;
const COLLECTION = 'request_logs';

export interface MongoMethodRun {
  id: string;
  label: string;
  deleted: number;
  wallMs: number;
  docsPerSecond: number;
  ratioToDeleteMany: number | null;
}

export type MongoBenchResult = { skipped: string } | { server: string; docs: number; loadSeconds: number; methods: MongoMethodRun[] };

/**
 * The MongoDB scenario, only against a real mongod (TEST_MONGO_URL): the in-process wire server
 * the tests use is no performance reference. The worker (`retention run`) against one deleteMany,
 * each on a freshly loaded collection of `docs` documents over 14 days, a 7-day cutoff.
 */
export async function runMongoBench(options: {
  url: string | undefined;
  docs: number;
  mysqlServerUrl: string;
  log: (line: string) => void;
}): Promise<MongoBenchResult> {
  if (!options.url)
    return { skipped: 'TEST_MONGO_URL is not set (a real mongod is needed; the wire test server is not a performance reference)' };
  const name = `rt_bench_${randomBytes(4).toString('hex')}`;
  const base = new URL(options.url);
  base.pathname = `/${name}`;
  const url = base.toString();
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  const mysqlDb = await createBenchDatabase(options.mysqlServerUrl);
  const dir = await mkdtemp(join(tmpdir(), 'retention-bench-mongo-'));
  try {
    await client.connect();
    const db = client.db(name);
    const build = await db.admin().serverInfo();
    const collection = db.collection(COLLECTION);
    const config = await writeWorkerConfig(dir, 'mongo', {
      mysqlUrl: mysqlDb.url,
      mongoUrl: url,
      policies: [{ name: 'bench', retain: { days: 7 }, targets: [{ store: 'mongo', collection: COLLECTION, time: 'requestedAt' }] }],
    });
    const load = async () => {
      const started = performance.now();
      await collection.drop().catch(() => undefined);
      await collection.createIndex({ requestedAt: 1 });
      await insertDocs(collection, options.docs);
      return (performance.now() - started) / 1000;
    };
    const loadSeconds = await load();
    options.log(`MongoDB ${String(build.version)}: ${options.docs} documents loaded in ${loadSeconds.toFixed(1)} s`);
    const worker = await runWorkerCli(config);
    await load();
    const started = performance.now();
    const many = await collection.deleteMany({ requestedAt: { $lt: new Date(Date.now() - 7 * DAY_MS) } });
    const deleteManyMs = performance.now() - started;
    const methods: MongoMethodRun[] = [
      {
        id: 'worker-defaults',
        label: 'worker, defaults',
        deleted: worker.deleted,
        wallMs: worker.wallMs,
        docsPerSecond: worker.deleted / (worker.wallMs / 1000),
        ratioToDeleteMany: null,
      },
      {
        id: 'delete-many',
        label: 'one deleteMany',
        deleted: many.deletedCount,
        wallMs: deleteManyMs,
        docsPerSecond: many.deletedCount / (deleteManyMs / 1000),
        ratioToDeleteMany: 1,
      },
    ];
    methods[0]!.ratioToDeleteMany = methods[0]!.docsPerSecond / methods[1]!.docsPerSecond;
    for (const m of methods) options.log(`  ${m.id}: ${m.deleted} documents in ${(m.wallMs / 1000).toFixed(2)} s`);
    return { server: `MongoDB ${String(build.version)}`, docs: options.docs, loadSeconds, methods };
  } finally {
    await client
      .db(name)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    await mysqlDb.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function insertDocs(collection: Collection, docs: number): Promise<void> {
  const start = Date.now() - 14 * DAY_MS;
  const step = (14 * DAY_MS) / docs;
  for (let from = 0; from < docs; from += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, docs - from) }, (_, k) => {
      const i = from + k;
      return {
        appId: 1400000000 + (i % 500),
        interface: 'sendmsg',
        clientIp: `10.0.${i % 256}.1`,
        requestedAt: new Date(start + Math.floor(i * step)),
      };
    });
    await collection.insertMany(batch, { ordered: false });
  }
}
