import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
import { migrateAudit } from '../../../src/audit/migrate-audit.js';
import { GENESIS_HASH } from '../../../src/audit/chain-hash.js';
import { targetEntry } from './audit-fixtures.js';

const PER_PROCESS = 200;

let db: TestDatabase;
let pools: Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase('audit_concurrent');
  // Two pools stand for two worker processes: separate connections, nothing shared in memory.
  pools = [createMysqlPool(db.url), createMysqlPool(db.url)];
  await migrateAudit(pools[0] as Pool, { table: 'retention_audit' });
});

afterAll(async () => {
  for (const pool of pools.reverse()) await pool.end();
  await db?.drop();
});

describe('concurrent appends', () => {
  it('two pools appending 200 entries each at once build one chain with ids in chain order', async () => {
    const trails = pools.map((pool, p) => new AuditTrail(pool, { key: 'k', configHash: 'c', workerVersion: `worker-${p}` }));
    const started = Date.now();
    // Every append in flight at once: each pool queues them on its 4 connections, so up to 8
    // transactions compete for the head row at any moment.
    await Promise.all(
      trails.flatMap((trail, p) => Array.from({ length: PER_PROCESS }, (_, i) => trail.append(targetEntry(i, { runId: `run-${p}` })))),
    );
    const elapsedMs = Date.now() - started;

    const verified = await (trails[0] as AuditTrail).verify({ pageSize: 64 });
    expect(verified).toMatchObject({ ok: true, entries: 2 * PER_PROCESS, firstBad: null });

    const [rows] = await (pools[0] as Pool).query<RowDataPacket[]>(
      `SELECT id, run_id, prev_hash, hash FROM ${mysql.escapeId('retention_audit')} ORDER BY id`,
    );
    expect(rows).toHaveLength(2 * PER_PROCESS);
    expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i += 1) {
      expect(Number(rows[i]?.id)).toBeGreaterThan(Number(rows[i - 1]?.id));
      expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
    }
    // Both processes really interleaved (otherwise the test proves nothing).
    const switches = rows.filter((r, i) => i > 0 && r.run_id !== rows[i - 1]?.run_id).length;
    expect(switches).toBeGreaterThan(1);
    console.info(`audit: ${2 * PER_PROCESS} concurrent appends in ${elapsedMs} ms, ${switches} switches between pools`);
  });
});
