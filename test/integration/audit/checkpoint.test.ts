import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import { fixedClock } from '../../../src/clock.js';
import type { AuditTrail } from '../../../src/audit/audit-trail.js';
import { Checkpointer } from '../../../src/audit/checkpointer.js';
import { checkpointLine, parseCheckpointFile, type CheckpointOnLine, type SignedCheckpoint } from '../../../src/audit/checkpoint.js';
import { fileSink } from '../../../src/audit/checkpoint-sinks/file-sink.js';
import { webhookSink } from '../../../src/audit/checkpoint-sinks/webhook-sink.js';
import type { CheckpointSink } from '../../../src/audit/checkpoint-sinks/checkpoint-sink.js';
import { readChainLinks } from '../../../src/audit/read-chain-links.js';
import { generateSigningKey, loadSigningKey, loadVerifyingKey } from '../../../src/audit/signing-key.js';
import { verifyAgainstCheckpoint } from '../../../src/audit/verify-against-checkpoint.js';
import { WorkerMetrics } from '../../../src/metrics/worker-metrics.js';
import { appendMany, freshTrail } from './audit-fixtures.js';

const AUDIT_KEY = 'test-audit-key';
const pair = generateSigningKey();
const signingKey = loadSigningKey(pair.privatePem);
const verifyingKey = loadVerifyingKey(pair.publicPem);

let db: TestDatabase;
let restored: TestDatabase;
let pool: Pool;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('audit_ckpt');
  restored = await createTestDatabase('audit_ckpt_restored');
  pool = createMysqlPool(db.url);
  dir = mkdtempSync(join(tmpdir(), 'retention-ckpt-'));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await restored?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function logCapture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function checkpointer(trail: AuditTrail, sinks: CheckpointSink[] = [], logger = logCapture().logger): Checkpointer {
  return new Checkpointer(pool, trail.tables, { key: signingKey, sinks, clock: fixedClock('2026-11-28T10:00:00.000Z'), logger });
}

function onLines(...checkpoints: SignedCheckpoint[]): CheckpointOnLine[] {
  return checkpoints.map((checkpoint, i) => ({ line: i + 1, checkpoint }));
}

function verify(trail: AuditTrail, checkpoints: CheckpointOnLine[], key = verifyingKey, from: Pool = pool) {
  return verifyAgainstCheckpoint(readChainLinks(from, trail.tables, 4), checkpoints, key, {
    auditKey: AUDIT_KEY,
    table: trail.tables.auditName,
  });
}

/** A webhook receiver on port 0 that answers `status()` and keeps every body. */
async function webhookServer(status: () => number): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/checkpoints?token=secret-token`, bodies, server };
}

describe('signed checkpoints', () => {
  it('signs the head id, head hash and entry count, stores the checkpoint and proves the chain with it', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    await appendMany(trail, 7);
    const head = (await trail.head())!;
    const outcome = await checkpointer(trail).checkpoint();
    expect(outcome.checkpoint).toMatchObject({
      type: 'retention-audit-checkpoint',
      format: '1',
      table: trail.tables.auditName,
      headId: String(head.id),
      headHash: head.hash,
      entries: '7',
      at: '2026-11-28T10:00:00.000Z',
      keyId: signingKey.keyId,
    });
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT * FROM ${trail.tables.checkpoint}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      head_hash: head.hash,
      entries: '7',
      key_id: signingKey.keyId,
      document: checkpointLine(outcome.checkpoint),
    });

    await appendMany(trail, 3, 7);
    expect(await verify(trail, onLines(outcome.checkpoint))).toMatchObject({
      ok: true,
      entries: 10,
      provenHead: { id: head.id, hash: head.hash, entries: 7 },
      failed: null,
    });
  });

  it('signs an empty chain as head 0 with 64 zeros, which an empty trail satisfies', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    const { checkpoint } = await checkpointer(trail).checkpoint();
    expect(checkpoint).toMatchObject({ headId: '0', headHash: '0'.repeat(64), entries: '0' });
    expect(await verify(trail, onLines(checkpoint))).toMatchObject({ ok: true, entries: 0 });
  });

  it('finds newest entries cut off even when the head row was moved back, which plain verify cannot', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    await appendMany(trail, 6);
    const { checkpoint } = await checkpointer(trail).checkpoint();
    const headId = Number(checkpoint.headId);
    await pool.query(`DELETE FROM ${trail.tables.audit} WHERE id >= ?`, [headId - 1]);
    await pool.query(`UPDATE ${trail.tables.head} h JOIN ${trail.tables.audit} a ON a.id = ? SET h.last_id = a.id, h.last_hash = a.hash`, [
      headId - 2,
    ]);
    expect(await trail.verify()).toMatchObject({ ok: true, entries: 4 });
    const verdict = await verify(trail, onLines(checkpoint));
    expect(verdict).toMatchObject({ ok: false, failed: { check: 'head', line: 1 } });
    expect(verdict.failed!.detail).toMatch(/cut off/);
  });

  it('fails the entry count check when the chain up to the head holds another number of entries than was signed', async () => {
    const trail = await freshTrail(pool, { key: 'another-key' });
    await appendMany(trail, 4);
    const { checkpoint } = await new Checkpointer(pool, trail.tables, {
      key: signingKey,
      sinks: [],
      clock: fixedClock('2026-11-28T10:00:00Z'),
      logger: logCapture().logger,
    }).checkpoint();
    // Whoever holds the audit key can rebuild a shorter chain; the signed count still catches it.
    const forged = { ...checkpoint, entries: '5' };
    const signedAgain = loadSigningKey(pair.privatePem);
    const { signDocument } = await import('../../../src/audit/signed-document.js');
    const { signature: _drop, keyId: _k, ...body } = forged;
    const resigned = signDocument(body, signedAgain) as SignedCheckpoint;
    const verdict = await verifyAgainstCheckpoint(readChainLinks(pool, trail.tables), onLines(resigned), verifyingKey, {
      auditKey: 'another-key',
      table: trail.tables.auditName,
    });
    expect(verdict).toMatchObject({ ok: false, failed: { check: 'entry count' } });
  });

  it('names the failed check: wrong public key, modified checkpoint, other table, broken chain', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    await appendMany(trail, 5);
    const { checkpoint } = await checkpointer(trail).checkpoint();
    const other = loadVerifyingKey(generateSigningKey().publicPem);
    expect((await verify(trail, onLines(checkpoint), other)).failed).toMatchObject({ check: 'key id', line: 1 });
    expect((await verify(trail, onLines(checkpoint, { ...checkpoint, entries: '4' }))).failed).toMatchObject({
      check: 'signature',
      line: 2,
    });
    const otherTrail = await freshTrail(pool, { key: AUDIT_KEY });
    expect((await verify(otherTrail, onLines(checkpoint))).failed).toMatchObject({ check: 'table' });
    await pool.query(`DELETE FROM ${trail.tables.audit} WHERE id = ?`, [Number(checkpoint.headId) - 3]);
    expect((await verify(trail, onLines(checkpoint))).failed).toMatchObject({ check: 'chain' });
  });

  it('proves a database restored from a backup, and catches a backup older than the last checkpoint', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    await appendMany(trail, 9);
    const cp = checkpointer(trail);
    const first = (await cp.checkpoint()).checkpoint;
    await appendMany(trail, 2, 9);
    const second = (await cp.checkpoint()).checkpoint;
    // "Restore": the audit tables copied, as a dump would, into another database.
    const restoredPool = createMysqlPool(restored.url);
    try {
      for (const table of [trail.tables.auditName, trail.tables.headName, trail.tables.checkpointName]) {
        const src = `${mysql.escapeId(db.name)}.${mysql.escapeId(table)}`;
        await restoredPool.query(`CREATE TABLE ${mysql.escapeId(table)} LIKE ${src}`);
        await restoredPool.query(`INSERT INTO ${mysql.escapeId(table)} SELECT * FROM ${src}`);
      }
      const file = parseCheckpointFile(`${checkpointLine(first)}\n${checkpointLine(second)}\n`, 'sink.jsonl');
      expect(await verify(trail, file, verifyingKey, restoredPool)).toMatchObject({ ok: true, entries: 11, provenHead: { entries: 11 } });
      // A restore from a backup taken between the two checkpoints lacks the last two entries.
      await restoredPool.query(`DELETE FROM ${mysql.escapeId(trail.tables.auditName)} WHERE id > ?`, [Number(first.headId)]);
      expect(await verify(trail, file, verifyingKey, restoredPool)).toMatchObject({ ok: false, failed: { check: 'head', line: 2 } });
    } finally {
      await restoredPool.end();
    }
  });
});

describe('checkpoint sinks', () => {
  it('appends one JSON line per checkpoint to the file sink, the same text as the table', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    const path = join(dir, 'worm.jsonl');
    const cp = checkpointer(trail, [fileSink('worm', path)]);
    await appendMany(trail, 2);
    const a = await cp.checkpoint();
    await appendMany(trail, 1, 2);
    const b = await cp.checkpoint();
    expect(readFileSync(path, 'utf8')).toBe(`${checkpointLine(a.checkpoint)}\n${checkpointLine(b.checkpoint)}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(parseCheckpointFile(readFileSync(path, 'utf8'), path).map((c) => c.line)).toEqual([1, 2]);
    expect((await cp.newest())?.pendingSinks).toEqual([]);
  });

  it('POSTs the checkpoint to the webhook', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    const hook = await webhookServer(() => 204);
    try {
      await appendMany(trail, 1);
      const outcome = await checkpointer(trail, [
        webhookSink('hook', { url: hook.url, headers: { authorization: 'Bearer x' }, timeoutMs: 2000 }),
      ]).checkpoint();
      expect(outcome.delivered).toEqual([{ sink: 'hook', id: outcome.id }]);
      expect(hook.bodies.map((b) => JSON.parse(b) as unknown)).toEqual([outcome.checkpoint]);
    } finally {
      hook.server.close();
    }
  });

  it('a failing sink is logged and counted, stays pending, and is re-sent in order at the next checkpoint', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    let status = 503;
    const hook = await webhookServer(() => status);
    const log = logCapture();
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    const path = join(dir, 'pending.jsonl');
    const cp = checkpointer(
      trail,
      [webhookSink('hook', { url: hook.url, headers: {}, timeoutMs: 2000 }), fileSink('worm', path)],
      log.logger,
    );
    metrics.declareCheckpointSinks(cp.sinkNames);
    cp.onSinkFailure((sink) => metrics.checkpointSinkFailed(sink));
    try {
      expect(await metrics.text()).toMatch(/retention_checkpoint_sink_failures_total\{sink="hook"\} 0/);
      await appendMany(trail, 1);
      const first = await cp.checkpoint();
      expect(first.failed).toEqual([{ sink: 'hook', id: first.id, error: 'webhook answered HTTP 503' }]);
      expect(first.delivered).toEqual([{ sink: 'worm', id: first.id }]);
      const warning = log.lines().find((l) => l.level === 40);
      expect(warning).toMatchObject({
        sink: 'hook',
        checkpointId: first.id,
        msg: expect.stringMatching(/retried at the next checkpoint/) as unknown,
      });
      expect(JSON.stringify(log.lines())).not.toContain('secret-token');
      expect(await metrics.text()).toMatch(/retention_checkpoint_sink_failures_total\{sink="hook"\} 1/);

      status = 200;
      await appendMany(trail, 1, 1);
      const second = await cp.checkpoint();
      expect(second.failed).toEqual([]);
      expect(second.delivered.filter((d) => d.sink === 'hook').map((d) => d.id)).toEqual([first.id, second.id]);
      expect(hook.bodies.slice(-2).map((b) => (JSON.parse(b) as SignedCheckpoint).headHash)).toEqual([
        first.checkpoint.headHash,
        second.checkpoint.headHash,
      ]);
      expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      hook.server.close();
    }
  });

  it('an unreachable webhook fails within its timeout and is counted', async () => {
    const trail = await freshTrail(pool, { key: AUDIT_KEY });
    const hook = await webhookServer(() => 200);
    const url = hook.url;
    await new Promise((resolve) => hook.server.close(resolve));
    const failures: string[] = [];
    const cp = checkpointer(trail, [webhookSink('down', { url, headers: {}, timeoutMs: 1000 })]);
    cp.onSinkFailure((sink) => failures.push(sink));
    const outcome = await cp.checkpoint();
    expect(outcome.failed).toMatchObject([{ sink: 'down', error: 'webhook: ECONNREFUSED' }]);
    expect(failures).toEqual(['down']);
    expect((await cp.newest())?.pendingSinks).toEqual(['down']);
  });
});
