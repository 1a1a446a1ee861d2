import type { Pool } from 'mysql2/promise';
import type { MysqlTargetConfig } from '../../../src/config/schema.js';
import type { PurgeWalk } from '../../../src/stores/purger.js';
import { createMysqlStore, type MysqlStore, type MysqlStoreConfig } from '../../../src/stores/mysql/mysql-store.js';
import { silentLogger } from '../../../src/logging/logger.js';

/** A MySQL store on a test database; fixed chunk sizes unless a test asks otherwise. */
export function testStore(url: string, overrides: Partial<MysqlStoreConfig> = {}): MysqlStore {
  return createMysqlStore(
    {
      url,
      lockWaitTimeoutSeconds: 2,
      metadataLockWaitTimeoutSeconds: 5,
      replicas: [],
      maxReplicaLagSeconds: 10,
      adaptiveBatchSize: false,
      ...overrides,
    },
    silentLogger(),
  );
}

/** A MySQL target as the config schema resolves it (defaults filled in). */
export function mysqlTarget(fields: Partial<MysqlTargetConfig> & { table: string }): MysqlTargetConfig {
  return { store: 'mysql', timeFormat: 'datetime', batchSize: 1000, pauseMs: 0, maxRunSeconds: 600, ...fields };
}

/** Runs a walk to its end; fails rather than loop forever. */
export async function drain(walk: PurgeWalk, maxBatches = 100_000): Promise<{ deleted: number; batches: number }> {
  let deleted = 0;
  for (let batches = 1; batches <= maxBatches; batches += 1) {
    const result = await walk.nextBatch();
    deleted += result.deleted;
    if (result.done) return { deleted, batches };
  }
  throw new Error(`walk did not finish within ${maxBatches} batches`);
}

export async function countRows(pool: Pool, sql: string, values: unknown[] = []): Promise<number> {
  const [rows] = await pool.query(sql, values);
  const first = (rows as Array<Record<string, unknown>>)[0];
  return Number(first ? Object.values(first)[0] : 0);
}
