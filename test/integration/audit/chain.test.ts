import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import { createLogger } from '../../../src/logging/logger.js';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
import { GENESIS_HASH } from '../../../src/audit/chain-hash.js';
import { subjectHash } from '../../../src/audit/subject-hash.js';
import { StoreError, UsageError } from '../../../src/errors/index.js';
import { appendMany, freshTrail, targetEntry } from './audit-fixtures.js';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('audit_chain');
  pool = createMysqlPool(db.url);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function t(trail: AuditTrail): string {
  return mysql.escapeId(trail.tables.auditName);
}

async function ids(trail: AuditTrail): Promise<number[]> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT id FROM ${t(trail)} ORDER BY id`);
  return rows.map((r) => Number(r.id));
}

describe('audit chain', () => {
  it('verifies a chain of 300 entries read in pages that do not divide it', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 300);
    const result = await trail.verify({ pageSize: 7 });
    const head = await trail.head();
    expect(result).toEqual({ ok: true, entries: 300, headHash: head?.hash, firstBad: null });
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT id, prev_hash, hash FROM ${t(trail)} ORDER BY id`);
    expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
  });

  it('verifies an empty trail, whose head is null', async () => {
    const trail = await freshTrail(pool);
    expect(await trail.head()).toBeNull();
    expect(await trail.verify()).toEqual({ ok: true, entries: 0, headHash: null, firstBad: null });
  });

  it('returns the entry as stored, with data in canonical form', async () => {
    const trail = await freshTrail(pool);
    const record = await trail.append(
      targetEntry(5, { data: { deleted: 5, wouldDelete: 18446744073709551615n, cutoff: new Date(Date.UTC(2026, 0, 1)) } }),
    );
    expect(record).toMatchObject({
      kind: 'target',
      policy: 'log-data',
      store: 'mysql',
      target: 'im_request_log',
      prevHash: GENESIS_HASH,
      configHash: 'cfg-hash',
      workerVersion: '9.9.9',
    });
    expect(record.data).toEqual({ deleted: '5', wouldDelete: '18446744073709551615', cutoff: '2026-01-01T00:00:00.000Z' });
    const [listed] = await trail.list();
    expect(listed).toEqual(record);
    expect(await trail.head()).toEqual({ id: record.id, hash: record.hash });
  });

  it('reports a modified entry field as a hash mismatch at that entry', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 10);
    const victim = (await ids(trail))[4] as number;
    await pool.query(`UPDATE ${t(trail)} SET entry = REPLACE(entry, '"deleted":"4"', '"deleted":"0"') WHERE id = ?`, [victim]);
    const result = await trail.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ id: victim, reason: 'hash mismatch' });
    expect(result.entries).toBe(4);
  });

  it('reports a modified index column (policy, recorded_at) as a hash mismatch at that entry', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 6);
    const [, second, , fourth] = await ids(trail);
    await pool.query(`UPDATE ${t(trail)} SET policy = 'other-policy' WHERE id = ?`, [fourth]);
    expect((await trail.verify()).firstBad).toEqual({
      id: fourth,
      reason: 'hash mismatch',
      detail: 'column policy differs from the hashed entry',
    });
    await pool.query(`UPDATE ${t(trail)} SET recorded_at = recorded_at - INTERVAL 1 DAY WHERE id = ?`, [second]);
    expect((await trail.verify()).firstBad).toMatchObject({
      id: second,
      reason: 'hash mismatch',
      detail: 'column recorded_at differs from the hashed entry',
    });
  });

  it('reports a deleted entry as a missing predecessor of the entry after it', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 10);
    const all = await ids(trail);
    await pool.query(`DELETE FROM ${t(trail)} WHERE id = ?`, [all[6]]);
    const result = await trail.verify({ pageSize: 3 });
    expect(result.firstBad).toMatchObject({ id: all[7], reason: 'missing predecessor' });
    expect(result.entries).toBe(6);
  });

  it('reports a deleted first entry as a missing predecessor of the new first entry', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 3);
    const all = await ids(trail);
    await pool.query(`DELETE FROM ${t(trail)} WHERE id = ?`, [all[0]]);
    expect((await trail.verify()).firstBad).toMatchObject({
      id: all[1],
      reason: 'missing predecessor',
      detail: expect.stringMatching(/first entry/) as unknown,
    });
  });

  it('reports two entries whose contents were swapped between their ids as out of order', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 8);
    const all = await ids(trail);
    const [a, b] = [all[2] as number, all[5] as number];
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT * FROM ${t(trail)} WHERE id IN (?, ?) ORDER BY id`, [a, b]);
    const [rowA, rowB] = rows as [RowDataPacket, RowDataPacket];
    await pool.query(`DELETE FROM ${t(trail)} WHERE id IN (?, ?)`, [a, b]);
    await pool.query(`INSERT INTO ${t(trail)} SET ?`, [{ ...rowB, id: a }]);
    await pool.query(`INSERT INTO ${t(trail)} SET ?`, [{ ...rowA, id: b }]);
    const result = await trail.verify();
    expect(result.firstBad).toMatchObject({ id: a, reason: 'order' });
    expect(result.firstBad?.detail).toContain(`links to entry ${all[4]}`);
  });

  it('passes plain verify after the newest entries are cut off with the head row rewritten, and fails with --head', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 10);
    const loggedHead = (await trail.head())?.hash as string;
    expect((await trail.verify({ head: loggedHead })).ok).toBe(true);

    const all = await ids(trail);
    const keep = all[6] as number;
    await pool.query(`DELETE FROM ${t(trail)} WHERE id > ?`, [keep]);
    // A careful intruder also moves the head row back to the new newest entry.
    await pool.query(
      `UPDATE ${mysql.escapeId(trail.tables.headName)} h JOIN ${t(trail)} a ON a.id = ? SET h.last_id = a.id, h.last_hash = a.hash`,
      [keep],
    );

    const plain = await trail.verify();
    expect(plain).toMatchObject({ ok: true, entries: 7, firstBad: null });
    const withHead = await trail.verify({ head: loggedHead.toUpperCase() });
    expect(withHead.ok).toBe(false);
    expect(withHead.entries).toBe(7);
    expect(withHead.firstBad).toMatchObject({ id: keep, reason: 'missing head' });
  });

  it('detects the newest entries cut off from the audit table alone through the head row', async () => {
    const trail = await freshTrail(pool);
    await appendMany(trail, 5);
    const all = await ids(trail);
    await pool.query(`DELETE FROM ${t(trail)} WHERE id >= ?`, [all[3]]);
    const result = await trail.verify();
    expect(result).toMatchObject({ ok: false, entries: 3, firstBad: { id: all[2], reason: 'missing head' } });
    expect(result.firstBad?.detail).toMatch(/no longer in the chain/);
  });

  it('refuses a --head that is not a hash', async () => {
    const trail = await freshTrail(pool);
    await expect(trail.verify({ head: 'abc' })).rejects.toBeInstanceOf(UsageError);
  });

  it('uses plain SHA-256 of prevHash ‖ entry without a key, and still verifies', async () => {
    const trail = await freshTrail(pool, { key: '' });
    expect(trail.keyed).toBe(false);
    await appendMany(trail, 20);
    expect(await trail.verify()).toMatchObject({ ok: true, entries: 20 });
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT prev_hash, entry, hash FROM ${t(trail)} ORDER BY id LIMIT 3`);
    for (const row of rows) {
      expect(
        createHash('sha256')
          .update(String(row.prev_hash) + String(row.entry))
          .digest('hex'),
      ).toBe(row.hash);
    }
  });

  it('says "wrong key" under a different key, rather than a break at the first entry', async () => {
    const trail = await freshTrail(pool, { key: 'key-one' });
    await appendMany(trail, 3);
    const other = new AuditTrail(pool, { table: trail.tables.auditName, key: 'key-two', configHash: 'x' });
    const result = await other.verify();
    expect(result).toMatchObject({ ok: false, entries: 0, firstBad: null });
    expect(result.wrongKey?.message).toMatch(/is not the key the audit trail .* is written with/);
    const unkeyed = new AuditTrail(pool, { table: trail.tables.auditName, key: '', configHash: 'x' });
    expect((await unkeyed.verify()).wrongKey?.message).toMatch(/is empty, but the audit trail .* is written with a key/);
    // Nor can either append to it.
    await expect(other.append(targetEntry(9))).rejects.toThrow(/audit\.key/);
    await expect(unkeyed.append(targetEntry(9))).rejects.toThrow(/audit\.key/);
    expect(await trail.verify()).toMatchObject({ ok: true, entries: 3 });
  });

  it('still reports a break when an entry of a trail without a fingerprint was altered (the newest intact)', async () => {
    const trail = await freshTrail(pool, { key: 'key-one' });
    await appendMany(trail, 3);
    const first = (await ids(trail))[0]!;
    await pool.query(`UPDATE ${trail.tables.head} SET key_fingerprint = NULL`);
    await pool.query(`UPDATE ${trail.tables.audit} SET entry = REPLACE(entry, '"dryRun":false', '"dryRun":true') WHERE id = ?`, [first]);
    expect((await trail.verify()).firstBad).toMatchObject({ id: first, reason: 'hash mismatch' });
  });

  it('logs every append as msg "audit" with identifiers and hash, never data or the subject hash', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const trail = await freshTrail(pool, { logger: createLogger({ level: 'info', destination }) });
    const hashed = subjectHash('test-audit-key', '1400000101');
    const record = await trail.append(
      targetEntry(1, {
        kind: 'subject',
        store: null,
        target: null,
        subjectHash: hashed,
        data: { status: 'purged', counts: { im_app_config: 1 } },
      }),
    );
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'audit');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      kind: 'subject',
      runId: 'run-fixture',
      policy: 'log-data',
      target: null,
      id: record.id,
      hash: record.hash,
    });
    expect(lines.join('\n')).not.toContain(hashed);
    expect(lines.join('\n')).not.toContain('im_app_config');
  });

  it('refuses a malformed entry without writing anything', async () => {
    const trail = await freshTrail(pool);
    await expect(trail.append(targetEntry(1, { data: { bad: Number.NaN } }))).rejects.toBeInstanceOf(TypeError);
    expect(await trail.head()).toBeNull();
  });

  it('names `retention migrate` when the tables do not exist', async () => {
    const trail = new AuditTrail(pool, { table: 'never_migrated', key: '', configHash: 'x' });
    const failure = trail.append(targetEntry(1));
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.toThrow(/retention migrate/);
    await expect(trail.verify()).rejects.toThrow(/retention migrate/);
    await expect(trail.list()).rejects.toBeInstanceOf(StoreError);
  });
});
