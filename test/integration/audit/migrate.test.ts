import { createHash } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
import { AUDIT_SCHEMA_VERSION, migrateAudit } from '../../../src/audit/migrate-audit.js';
import { ConfigError, StoreError } from '../../../src/errors/index.js';
import { appendMany } from './audit-fixtures.js';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('audit_migrate');
  pool = createMysqlPool(db.url);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function headRow(table: string): Promise<RowDataPacket | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT * FROM ${mysql.escapeId(`${table}_head`)}`);
  return rows[0];
}

describe('migrateAudit', () => {
  it('creates the audit table and its head table at the current schema version', async () => {
    expect(await migrateAudit(pool)).toEqual({ from: 0, to: AUDIT_SCHEMA_VERSION, applied: [1, 2, 3] });
    const [tables] = await pool.query<RowDataPacket[]>(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1',
    );
    expect(tables.map((r) => r.name)).toEqual(['retention_audit', 'retention_audit_ckpt', 'retention_audit_head']);
    expect(await headRow('retention_audit')).toMatchObject({
      id: 1,
      schema_version: 3,
      last_id: null,
      last_hash: '0'.repeat(64),
      key_fingerprint: null,
    });
  });

  it('is idempotent: running it again, with entries present, changes nothing', async () => {
    const trail = new AuditTrail(pool, { key: 'k', configHash: 'c' });
    await appendMany(trail, 5);
    const before = await headRow('retention_audit');
    expect(await trail.migrate()).toEqual({ from: 3, to: 3, applied: [] });
    expect(await migrateAudit(pool, { table: 'retention_audit' })).toEqual({ from: 3, to: 3, applied: [] });
    expect(await headRow('retention_audit')).toEqual(before);
    expect(await trail.verify()).toMatchObject({ ok: true, entries: 5 });
  });

  it('is safe when two processes migrate at once', async () => {
    const results = await Promise.all([migrateAudit(pool, { table: 'raced' }), migrateAudit(pool, { table: 'raced' })]);
    expect(results.map((r) => r.applied).sort()).toEqual([[], [1, 2, 3]]);
  });

  it('re-seeds a lost head table from the newest entry, so the chain continues', async () => {
    await migrateAudit(pool, { table: 'lost_head' });
    const trail = new AuditTrail(pool, { table: 'lost_head', key: 'k', configHash: 'c' });
    await appendMany(trail, 3);
    await pool.query('DROP TABLE `lost_head_head`');
    expect((await migrateAudit(pool, { table: 'lost_head' })).applied).toEqual([1, 2, 3]);
    await appendMany(trail, 2, 3);
    expect(await trail.verify()).toMatchObject({ ok: true, entries: 5 });
  });

  it('upgrades a version-1 trail by adding the checkpoint table, keeping its entries', async () => {
    await migrateAudit(pool, { table: 'old_trail' });
    const trail = new AuditTrail(pool, { table: 'old_trail', key: 'k', configHash: 'c' });
    await appendMany(trail, 2);
    await pool.query('DROP TABLE `old_trail_ckpt`');
    await pool.query('UPDATE `old_trail_head` SET schema_version = 1');
    expect(await migrateAudit(pool, { table: 'old_trail' })).toEqual({ from: 1, to: 3, applied: [2, 3] });
    const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM `old_trail_ckpt`');
    expect(Number(rows[0]?.n)).toBe(0);
    expect(await trail.verify()).toMatchObject({ ok: true, entries: 2 });
  });

  it('reads an up-to-date trail without waiting for the migration lock; an older one still waits for it', async () => {
    await migrateAudit(pool, { table: 'locked_trail' });
    const [dbRows] = await pool.query<RowDataPacket[]>('SELECT DATABASE() AS db');
    const lockName = `retention-migrate-${createHash('sha256')
      .update(`${String(dbRows[0]?.db)}.locked_trail`)
      .digest('hex')
      .slice(0, 40)}`;
    const holder = await pool.getConnection();
    try {
      const [got] = await holder.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [lockName]);
      expect(Number(got[0]?.got)).toBe(1);
      // Another process holds the lock (it is migrating): nothing is left to do at this version.
      expect(await migrateAudit(pool, { table: 'locked_trail', lockWaitSeconds: 1 })).toEqual({ from: 3, to: 3, applied: [] });
      await pool.query('UPDATE `locked_trail_head` SET schema_version = 2');
      await expect(migrateAudit(pool, { table: 'locked_trail', lockWaitSeconds: 1 })).rejects.toThrow(/another process is migrating/);
    } finally {
      await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
      holder.release();
    }
    expect(await migrateAudit(pool, { table: 'locked_trail' })).toEqual({ from: 2, to: 3, applied: [3] });
  });

  it('refuses an application table that has the configured name', async () => {
    await pool.query('CREATE TABLE `app_table` (`id` INT PRIMARY KEY, `hash` CHAR(64))');
    const failure = migrateAudit(pool, { table: 'app_table' });
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.toThrow(/not an audit table/);
  });

  it('refuses tables written by a newer worker', async () => {
    await migrateAudit(pool, { table: 'from_future' });
    await pool.query('UPDATE `from_future_head` SET schema_version = 99');
    await expect(migrateAudit(pool, { table: 'from_future' })).rejects.toThrow(/schema version 99/);
  });

  it('refuses a table name with no room for its head table', () => {
    expect(() => new AuditTrail(pool, { table: 'a'.repeat(60), key: '', configHash: '' })).toThrow(ConfigError);
    expect(() => new AuditTrail(pool, { table: 'bad name', key: '', configHash: '' })).toThrow(ConfigError);
  });
});
