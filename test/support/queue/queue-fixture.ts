import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import { resolveConfigText, type ResolvedConfig } from '../../../src/config/load-config.js';
import { AuditTrail, type AuditRecord } from '../../../src/audit/index.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { REDIS_TEST_URL } from '../redis.js';
import { createTestDatabase, type TestDatabase } from '../mysql.js';

export interface QueueFixture {
  db: TestDatabase;
  /** A unique BullMQ prefix for this test file. */
  prefix: string;
  redis: Redis;
  dir: string;
  /** Writes a configuration file for these policies (YAML list items) and returns its path and resolution. */
  writeConfig(
    policies: string,
    options?: {
      name?: string;
      mysqlUrl?: string;
      concurrency?: number;
      attempts?: number;
      backoffMs?: number;
      reportSeconds?: number;
      progressLogSeconds?: number;
      /** More entries of `stores:` (YAML lines indented two spaces), such as an `s3:` or `kafka:` store. */
      extraStores?: string;
      /** Replaces the `audit:` mapping (its table and key must stay as auditOf expects). */
      audit?: string;
    },
  ): { file: string; config: ResolvedConfig };
  /** Removes the queue's keys, the database and the files. */
  drop(): Promise<void>;
}

/** A test database with the reference tables, a unique queue prefix, and a scratch directory. */
export async function createQueueFixture(label: string): Promise<QueueFixture> {
  const db = await createTestDatabase(label);
  await createReferenceTables(db.pool);
  const prefix = `rtq${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    db,
    prefix,
    redis,
    dir,
    writeConfig(policies, options = {}) {
      const yaml = `
timezone: UTC
stores:
  mysql: { url: "${options.mysqlUrl ?? db.url}" }
  mongo: { url: "" }
  redis: { url: "" }
${options.extraStores ?? ''}
queue: { redisUrl: "${REDIS_TEST_URL}", prefix: ${prefix}, concurrency: ${options.concurrency ?? 1}, attempts: ${options.attempts ?? 2}, backoffMs: ${options.backoffMs ?? 200}, keepJobsSeconds: 3600${options.progressLogSeconds === undefined ? '' : `, progressLogSeconds: ${options.progressLogSeconds}`} }
http: { port: 0 }
safety: { maxClockSkewSeconds: 60 }
audit: ${options.audit ?? '{ table: retention_audit, key: "queue-test-key" }'}
report: { intervalSeconds: ${options.reportSeconds ?? 3600} }
policies:
${policies}
`;
      const file = join(dir, `${options.name ?? 'retention'}.yaml`);
      writeFileSync(file, yaml);
      return { file, config: resolveConfigText(yaml, file, {}) };
    },
    async drop() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      await redis.quit();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Inserts `count` request-log rows, `ageDays` old (spread over one minute), in chunks. */
export async function insertOldRequestLogs(pool: Pool, count: number, ageDays: number, now: Date = new Date()): Promise<void> {
  const base = now.getTime() - ageDays * 86_400_000;
  for (let i = 0; i < count; i += 5000) {
    const rows = [];
    for (let j = i; j < Math.min(count, i + 5000); j += 1)
      rows.push([1400000001, Buffer.from([192, 0, 2, 1]), 'sendmsg', new Date(base - (j % 60_000))]);
    await pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?', [rows]);
  }
}

export async function countRows(pool: Pool, table: string, where = '1=1'): Promise<number> {
  const [rows] = await pool.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE ${where}`);
  return Number((rows as { n: string }[])[0]!.n);
}

/** The audit trail of the fixture's database (key and table as `writeConfig` sets them). */
export function auditOf(pool: Pool): AuditTrail {
  return new AuditTrail(pool, { table: 'retention_audit', key: 'queue-test-key', configHash: 'test' });
}

/** Every audit entry, oldest first. */
export async function auditEntries(pool: Pool): Promise<AuditRecord[]> {
  return (await auditOf(pool).list({ limit: 100_000 })).reverse();
}
