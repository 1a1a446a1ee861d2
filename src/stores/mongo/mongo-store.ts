import { MongoClient, type Db } from 'mongodb';
import type { MongoTargetConfig, TargetConfig } from '../../config/schema.js';
import { StoreError } from '../../errors/index.js';
import type { Logger } from '../../logging/logger.js';
import type { PurgerContext, Store } from '../purger.js';
import { createMongoAgePurger } from './mongo-age-purger.js';
import { mongoDatabaseName } from './mongo-database-name.js';
import { createMongoSubjectPurger } from './mongo-subject-purger.js';
import { mongoCopies } from './derived-copies.js';

export interface MongoStoreConfig {
  /** `mongodb://…/<database>`; the database defaults to `im` when the URL names none. */
  url: string;
}

export interface MongoStoreOptions {
  /** How long an operation waits for a reachable server before failing. @defaultValue 10000 */
  serverSelectionTimeoutMS?: number;
  /** A socket silent this long fails the operation (`stores.mongo.socketTimeoutMs`). @defaultValue 60000 */
  socketTimeoutMS?: number;
}

/**
 * The MongoDB store: one client for the deployment, its database taken from the URL path.
 * Nothing connects until the first operation (the driver connects on demand), so building the
 * store of an unreachable server succeeds and `ping()` is what reports it.
 */
export function createMongoStore(config: MongoStoreConfig, logger: Logger, options: MongoStoreOptions = {}): Store {
  if (config.url === '') throw new StoreError('mongo', 'no URL configured: the MongoDB store is disabled');
  let client: MongoClient;
  try {
    client = new MongoClient(config.url, {
      appName: 'retention-worker',
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
      socketTimeoutMS: options.socketTimeoutMS ?? 60_000,
    });
  } catch (err) {
    // A parse error names what is wrong with the URL, never its password (StoreError redacts URLs).
    throw new StoreError('mongo', `invalid URL: ${messageOf(err)}`, { cause: err });
  }
  const dbName = mongoDatabaseName(config.url);
  const db: Db = client.db(dbName);
  const log = logger.child({ store: 'mongo' });

  return {
    name: 'mongo',

    agePurger(target: TargetConfig, context?: PurgerContext) {
      const mongoTarget = asMongoTarget(target);
      return createMongoAgePurger(db.collection(mongoTarget.collection), mongoTarget, log.child({ target: mongoTarget.collection }), {
        db,
        ...(context?.retainMs !== undefined ? { retainMs: context.retainMs } : {}),
      });
    },

    subjectPurger(target: TargetConfig) {
      const mongoTarget = asMongoTarget(target);
      return createMongoSubjectPurger(db.collection(mongoTarget.collection), mongoTarget, log.child({ target: mongoTarget.collection }));
    },

    // The oplog window, read on a short-lived connection of its own (fails fast when unreachable).
    derivedCopies: (shortest) => mongoCopies(config.url, shortest),

    async ping() {
      try {
        await db.command({ ping: 1 });
      } catch (err) {
        throw new StoreError('mongo', `cannot reach database ${dbName}: ${messageOf(err)}`, { cause: err });
      }
    },

    async close() {
      await client.close();
    },
  };
}

function asMongoTarget(target: TargetConfig): MongoTargetConfig {
  if (target.store !== 'mongo') throw new TypeError(`the mongo store was given a ${target.store} target`);
  return target;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
