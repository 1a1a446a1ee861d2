import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import type { MongoTargetConfig } from '../../src/config/schema.js';
import { startMongoWireServer } from './mongo-wire-server.js';

/**
 * A real mongod to run against instead of the in-process wire server: a URL without a database,
 * such as `mongodb://127.0.0.1:27017` (an empty value means "use the wire server").
 */
export const MONGO_SERVER_URL = process.env.TEST_MONGO_URL ?? '';

export interface TestMongoDatabase {
  name: string;
  /** `mongodb://…/<name>`, for stores and configs. */
  url: string;
  /** Whether this runs against a real mongod (TEST_MONGO_URL) rather than the wire server. */
  realServer: boolean;
  client: MongoClient;
  db: Db;
  /** Drops the database (real mongod) or stops the wire server, and closes the client. */
  drop(): Promise<void>;
}

/** A private database for one test file: on TEST_MONGO_URL's mongod if set, else on a fresh wire server. */
export async function createTestMongoDatabase(label: string): Promise<TestMongoDatabase> {
  const name = `rt_${label.replace(/[^a-z0-9_]/gi, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const server = MONGO_SERVER_URL === '' ? await startMongoWireServer() : null;
  const url = withDatabase(server ? server.url : MONGO_SERVER_URL, name);
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const db = client.db(name);
  return {
    name,
    url,
    realServer: server === null,
    client,
    db,
    async drop() {
      try {
        if (!server) await db.dropDatabase();
      } finally {
        await client.close();
        await server?.close();
      }
    },
  };
}

/** `mongodb://host:port[/…][?query]` with its path replaced by `/<name>`, the query kept. */
function withDatabase(serverUrl: string, name: string): string {
  const [base = '', query] = serverUrl.split('?', 2);
  const hostPart = base.replace(/^(mongodb(?:\+srv)?:\/\/[^/]*).*$/i, '$1');
  return `${hostPart}/${name}${query === undefined ? '' : `?${query}`}`;
}

/** A MongoDB target as the config schema would resolve it, with the schema's defaults. */
export function mongoTarget(fields: Partial<MongoTargetConfig> & { collection: string }): MongoTargetConfig {
  return { store: 'mongo', timeFormat: 'datetime', createIndex: false, batchSize: 1000, pauseMs: 0, maxRunSeconds: 600, ...fields };
}
