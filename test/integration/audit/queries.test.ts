import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import type { AuditTrail } from '../../../src/audit/audit-trail.js';
import type { AuditEntryInput } from '../../../src/audit/audit-entry.js';
import { freshTrail } from './audit-fixtures.js';

let db: TestDatabase;
let pool: Pool;
let trail: AuditTrail;

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0, 0);
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

function entry(
  kind: AuditEntryInput['kind'],
  runId: string,
  policy: string | null,
  minutes: number,
  extra: Partial<AuditEntryInput> = {},
): AuditEntryInput {
  return { kind, runId, policy, at: at(minutes), dryRun: false, retain: policy ? '7 days' : null, data: {}, ...extra };
}

beforeAll(async () => {
  db = await createTestDatabase('audit_queries');
  pool = createMysqlPool(db.url);
  trail = await freshTrail(pool, { table: 'retention_audit' });
  const subjectA = trail.subjectHash('1400000101');
  const subjectB = trail.subjectHash('1400000102');
  const entries: AuditEntryInput[] = [
    // run-1: log-data, finished
    entry('run-started', 'run-1', 'log-data', 0),
    entry('target', 'run-1', 'log-data', 1, { store: 'mysql', target: 'im_request_log', data: { status: 'succeeded', deleted: 10 } }),
    entry('run-finished', 'run-1', 'log-data', 2, { data: { status: 'succeeded', counts: { deleted: 10 } } }),
    // run-2: log-data, crashed, closed by run-4
    entry('run-started', 'run-2', 'log-data', 60),
    // run-3: configuration-data, a subject purged, finished partial
    entry('run-started', 'run-3', 'configuration-data', 61, { retain: '2 months after termination' }),
    entry('subject', 'run-3', 'configuration-data', 62, { subjectHash: subjectA, data: { status: 'purged', deadline: at(-100) } }),
    entry('run-finished', 'run-3', 'configuration-data', 63, { data: { status: 'partial' } }),
    // run-4: log-data, closes run-2, still open
    entry('run-closed', 'run-2', 'log-data', 120, { data: { status: 'abandoned', closedByRunId: 'run-4' } }),
    entry('run-started', 'run-4', 'log-data', 120),
    // run-5: configuration-data, open, another subject and subject A again
    entry('run-started', 'run-5', 'configuration-data', 121),
    entry('subject', 'run-5', 'configuration-data', 122, { subjectHash: subjectB, data: { status: 'purged' } }),
    entry('subject', 'run-5', 'configuration-data', 123, { subjectHash: subjectA, data: { status: 'skipped', reason: 'reactivated' } }),
    entry('tick-skipped', 'run-6', 'log-data', 124, { data: { runningRunId: 'run-4' } }),
  ];
  for (const e of entries) await trail.append(e);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('audit queries', () => {
  it('lists entries newest first, with since, policy, runId and limit filters', async () => {
    const all = await trail.list();
    expect(all).toHaveLength(13);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    expect((await trail.list({ since: at(120) })).map((e) => e.kind)).toEqual([
      'tick-skipped',
      'subject',
      'subject',
      'run-started',
      'run-started',
      'run-closed',
    ]);
    expect((await trail.list({ policy: 'configuration-data' })).every((e) => e.policy === 'configuration-data')).toBe(true);
    expect((await trail.list({ runId: 'run-1' })).map((e) => e.kind)).toEqual(['run-finished', 'target', 'run-started']);
    expect(await trail.list({ limit: 2 })).toHaveLength(2);
    expect((await trail.list({ since: at(120), policy: 'log-data' })).map((e) => e.runId)).toEqual(['run-6', 'run-4', 'run-2']);
  });

  it('lists open runs of a policy: started, neither finished nor closed', async () => {
    expect(await trail.openRuns('log-data')).toEqual(['run-4']);
    expect(await trail.openRuns('configuration-data')).toEqual(['run-5']);
    expect(await trail.openRuns('monitoring-data')).toEqual([]);
  });

  it('finds a subject by its keyed hash, newest first, subject entries only', async () => {
    const found = await trail.findSubject(trail.subjectHash('01400000101'));
    expect(found.map((e) => [e.runId, e.data.status])).toEqual([
      ['run-5', 'skipped'],
      ['run-3', 'purged'],
    ]);
    expect(found[1]?.data.deadline).toBe(at(-100).toISOString());
    expect(await trail.findSubject(trail.subjectHash('999'))).toEqual([]);
  });

  it('groups runs: finished with their status, open ones running while the lock is held, abandoned after', async () => {
    const asked: string[] = [];
    const runs = await trail.listRuns({}, async (policy) => {
      asked.push(policy);
      return policy === 'log-data';
    });
    const byId = new Map(runs.map((r) => [r.runId, r]));
    expect(runs.map((r) => r.runId)).toEqual(['run-6', 'run-5', 'run-4', 'run-2', 'run-3', 'run-1']);
    expect(byId.get('run-1')).toMatchObject({ status: 'succeeded', startedAt: at(0), finishedAt: at(2), subjects: 0 });
    expect(byId.get('run-1')?.targets.map((e) => e.target)).toEqual(['im_request_log']);
    expect(byId.get('run-2')).toMatchObject({ status: 'abandoned', finishedAt: at(120) });
    expect(byId.get('run-3')).toMatchObject({ status: 'partial', subjects: 1 });
    expect(byId.get('run-4')?.status).toBe('running');
    expect(byId.get('run-5')).toMatchObject({ status: 'abandoned', subjects: 2 });
    expect(asked.sort()).toEqual(['configuration-data', 'log-data']);
  });
});
