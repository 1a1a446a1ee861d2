import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/audit/audit-entry.js';
import { subjectHash } from '../../../src/audit/subject-hash.js';
import { findSubjectPurges, isCompletePurge } from '../../../src/subjects/find-subject-purges.js';
import { createSubjectPolicyRunner } from '../../../src/subjects/run-subject-policy.js';
import type { PolicyResult } from '../../../src/types.js';
import { AUDIT_KEY, SubjectFixture } from './subject-fixture.js';

const NOW = '2026-11-28T10:00:00.000Z';
const TWO_MONTHS_AGO = '2026-09-28T10:00:00.000Z';
const day = 86_400_000;
const at = (iso: string, deltaMs = 0) => new Date(new Date(iso).getTime() + deltaMs);

let fx: SubjectFixture;

beforeAll(async () => {
  fx = await SubjectFixture.create('subject_cases');
});
afterAll(async () => {
  await fx?.drop();
});
beforeEach(async () => {
  await fx.reset();
});

function subjectsOf(policy: PolicyResult | undefined) {
  expect(policy?.subjects).toBeDefined();
  return policy!.subjects!;
}

async function subjectEntries(engine: { audit: { findSubject(h: string): Promise<AuditRecord[]> } }, id: string): Promise<AuditRecord[]> {
  return findSubjectPurges(engine.audit, AUDIT_KEY, id);
}

describe('which subjects a run purges', () => {
  it('purges exactly the due subjects from every store, marks them, and keeps all the others', async () => {
    const due = '1400000101';
    const notYet = '1400000102';
    const active = '1400000103';
    const held = '1400000104';
    const reactivated = '1400000105';
    const noTime = '1400000106';
    const reTerminated = '1400000107';
    const purgedBefore = '1400000108';
    await fx.addAccounts([
      { id: due, terminatedAt: at(TWO_MONTHS_AGO, -day) },
      { id: notYet, terminatedAt: at(TWO_MONTHS_AGO, day) },
      { id: active, status: 'active', terminatedAt: null },
      { id: held, terminatedAt: at(TWO_MONTHS_AGO, -400 * day), legalHold: true },
      { id: reactivated, status: 'active', terminatedAt: at(TWO_MONTHS_AGO, -300 * day) },
      { id: noTime, terminatedAt: null },
      // Purged once after an earlier termination, reactivated, terminated again and due again.
      { id: reTerminated, terminatedAt: at(TWO_MONTHS_AGO, -2 * day), purgedAt: at(TWO_MONTHS_AGO, -100 * day) },
      // Purged after its (only) termination: nothing left to do.
      { id: purgedBefore, terminatedAt: at(TWO_MONTHS_AGO, -100 * day), purgedAt: at(TWO_MONTHS_AGO, -30 * day) },
    ]);
    const all = [due, notYet, active, held, reactivated, noTime, reTerminated, purgedBefore];
    await fx.addConfiguration(all);

    const engine = await fx.openEngine(NOW);
    try {
      const doc = await fx.run(engine);
      const policy = doc.policies[0]!;
      expect(doc.status).toBe('succeeded');
      expect(policy.cutoff).toBeNull();
      expect(subjectsOf(policy)).toEqual({ due: 2, purged: 2, failed: 0, skipped: 0, deferred: 0, held: 1, withoutTerminationTime: 1 });
      expect(policy.targets.map((t) => [t.store, t.target, t.status, t.deleted])).toEqual([
        ['mysql', 'im_app_config', 'succeeded', 2],
        ['mysql', 'im_push_certificate', 'succeeded', 4],
        ['mongo', 'app_settings', 'succeeded', 2],
        ['redis', `${fx.space.prefix}im:cfg:<subject>`, 'succeeded', 2],
        ['redis', `${fx.space.prefix}im:cfg:<subject>:*`, 'succeeded', 2],
      ]);

      for (const id of [due, reTerminated]) {
        expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 0, redis: 0 });
        expect(await fx.markOf(id)).toEqual(new Date(NOW));
      }
      for (const id of [notYet, active, held, reactivated, noTime, purgedBefore]) {
        expect(await fx.remaining(id)).toEqual({ mysql: 3, mongo: 1, redis: 2 });
      }
      expect(await fx.markOf(notYet)).toBeNull();
      expect(await fx.markOf(purgedBefore)).toEqual(at(TWO_MONTHS_AGO, -30 * day));

      // One subject entry per purged subject, found by its keyed hash, with its deadline and counts.
      const [entry, ...more] = await subjectEntries(engine, due);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        kind: 'subject',
        runId: doc.runId,
        policy: 'configuration-data',
        subjectHash: subjectHash(AUDIT_KEY, due),
      });
      expect(isCompletePurge(entry!)).toBe(true);
      expect(entry!.data).toMatchObject({
        status: 'purged',
        marked: true,
        deadline: at(NOW, -day).toISOString(),
        stores: ['mysql', 'mongo', 'redis'],
      });
      expect(entry!.data.targets).toEqual([
        { store: 'mysql', target: 'im_app_config', deleted: '1', status: 'succeeded' },
        { store: 'mysql', target: 'im_push_certificate', deleted: '2', status: 'succeeded' },
        { store: 'mongo', target: 'app_settings', deleted: '1', status: 'succeeded' },
        { store: 'redis', target: `${fx.space.prefix}im:cfg:<subject>`, deleted: '1', status: 'succeeded' },
        { store: 'redis', target: `${fx.space.prefix}im:cfg:<subject>:*`, deleted: '1', status: 'succeeded' },
      ]);
      expect(await subjectEntries(engine, notYet)).toEqual([]);
      expect(await subjectEntries(engine, held)).toEqual([]);

      // The chain verifies; no subject id is in the audit trail or the logs in clear.
      expect((await engine.audit.verify()).ok).toBe(true);
      const auditText = await fx.auditText();
      const logs = fx.logLines.join('\n');
      for (const id of all) {
        expect(auditText).not.toContain(id);
        expect(logs).not.toContain(id);
      }
      expect(logs).toContain('terminated accounts without a termination time');

      // The next run finds nothing left to do.
      const again = await fx.run(engine);
      expect(subjectsOf(again.policies[0])).toMatchObject({ due: 0, purged: 0, held: 1 });
    } finally {
      await engine.close();
    }
  });

  it('handles ids above 2^53 exactly: purges 9007199254740993 and 2^64 − 1, keeps 9007199254740992', async () => {
    const big = '18446744073709551615';
    const odd = '9007199254740993';
    const even = '9007199254740992';
    await fx.addAccounts([
      { id: big, terminatedAt: at(TWO_MONTHS_AGO, -day) },
      { id: odd, terminatedAt: at(TWO_MONTHS_AGO, -day) },
      { id: even, status: 'active' },
    ]);
    await fx.addConfiguration([big, odd, even]);
    const engine = await fx.openEngine(NOW, { mongoUrl: '' });
    try {
      const doc = await fx.run(engine);
      expect(subjectsOf(doc.policies[0])).toMatchObject({ due: 2, purged: 2 });
      expect(await fx.remaining(big)).toMatchObject({ mysql: 0, redis: 0 });
      expect(await fx.remaining(odd)).toMatchObject({ mysql: 0, redis: 0 });
      expect(await fx.remaining(even)).toMatchObject({ mysql: 3, redis: 2 });
      expect(await fx.markOf(big)).toEqual(new Date(NOW));
      expect(await fx.markOf(even)).toBeNull();
      expect((await subjectEntries(engine, big))[0]?.data.status).toBe('purged');
      expect(await subjectEntries(engine, even)).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('processes hundreds of subjects in batches: one call per target per batch, all marked', async () => {
    const ids = Array.from({ length: 230 }, (_, i) => String(1_400_100_000 + i));
    await fx.addAccounts(ids.map((id) => ({ id, terminatedAt: at(TWO_MONTHS_AGO, -day) })));
    await fx.addConfiguration(ids);
    const engine = await fx.openEngine(NOW, { batchSize: 100 });
    const batches: number[] = [];
    try {
      const runner = createSubjectPolicyRunner({ beforeClaim: async (batch) => void batches.push(batch.length) });
      const doc = await fx.run(engine, {}, runner);
      const policy = doc.policies[0]!;
      expect(subjectsOf(policy)).toMatchObject({ due: 230, purged: 230 });
      expect(batches).toEqual([100, 100, 30]);
      for (const t of policy.targets) expect(t.batches).toBe(3);
      expect(policy.targets.find((t) => t.target.endsWith(':*'))!.deleted).toBe(230);
      expect(await fx.redisKeys()).toEqual([]);
      const [rows] = await fx.db.pool.query('SELECT COUNT(*) AS n FROM im_account WHERE config_purged_at IS NULL');
      expect(Number((rows as Array<{ n: number }>)[0]!.n)).toBe(0);
    } finally {
      await engine.close();
    }
  });
});

describe('deadlines in the configured zone', () => {
  it('keeps a Dec 31 termination until Feb 28 has passed, and purges it 1 ms after its deadline', async () => {
    const id = '1400000201';
    await fx.addAccounts([{ id, terminatedAt: new Date('2025-12-31T10:00:00.000Z') }]);
    await fx.addConfiguration([id]);
    const deadline = '2026-02-28T10:00:00.000Z';
    let engine = await fx.openEngine(deadline);
    try {
      expect(subjectsOf((await fx.run(engine)).policies[0]).due).toBe(0);
      expect(await fx.remaining(id)).toEqual({ mysql: 3, mongo: 1, redis: 2 });
    } finally {
      await engine.close();
    }
    engine = await fx.openEngine(at(deadline, 1).toISOString());
    try {
      expect(subjectsOf((await fx.run(engine)).policies[0]).purged).toBe(1);
      expect((await subjectEntries(engine, id))[0]!.data.deadline).toBe(deadline);
    } finally {
      await engine.close();
    }
  });

  it('gives a Dec 31 termination a Feb 29 deadline in a leap year', async () => {
    const id = '1400000202';
    await fx.addAccounts([{ id, terminatedAt: new Date('2023-12-31T23:00:00.000Z') }]);
    await fx.addConfiguration([id]);
    // Past Feb 28 + 1 day in wall-clock terms, still before the Feb 29 deadline.
    const engine = await fx.openEngine('2024-02-29T22:59:59.999Z');
    try {
      expect(subjectsOf((await fx.run(engine)).policies[0]).due).toBe(0);
      engine.clock.set('2024-02-29T23:00:00.001Z');
      const doc = await fx.run(engine);
      expect(subjectsOf(doc.policies[0]).purged).toBe(1);
      expect((await subjectEntries(engine, id))[0]!.data.deadline).toBe('2024-02-29T23:00:00.000Z');
    } finally {
      await engine.close();
    }
  });

  it('counts calendar months in Europe/Paris across the spring change (deadline an hour earlier in UTC than in a UTC deployment)', async () => {
    const id = '1400000203';
    // Jan 30 12:00 CET → Mar 30 12:00 CEST = 10:00Z (a UTC deployment would say 11:00Z).
    await fx.addAccounts([{ id, terminatedAt: new Date('2026-01-30T11:00:00.000Z') }]);
    await fx.addConfiguration([id]);
    const utc = await fx.openEngine('2026-03-30T10:30:00.000Z', { timezone: 'UTC' });
    try {
      expect(subjectsOf((await fx.run(utc)).policies[0]).due).toBe(0);
    } finally {
      await utc.close();
    }
    const paris = await fx.openEngine('2026-03-30T10:00:00.000Z', { timezone: 'Europe/Paris' });
    try {
      expect(subjectsOf((await fx.run(paris)).policies[0]).due).toBe(0);
      paris.clock.set('2026-03-30T10:00:00.001Z');
      expect(subjectsOf((await fx.run(paris)).policies[0]).purged).toBe(1);
      expect((await subjectEntries(paris, id))[0]!.data.deadline).toBe('2026-03-30T10:00:00.000Z');
    } finally {
      await paris.close();
    }
  });

  it('counts calendar months in America/New_York across the autumn change (an hour later in UTC)', async () => {
    const id = '1400000204';
    // Sep 1 12:00 EDT → Nov 1 12:00 EST = 17:00Z.
    await fx.addAccounts([{ id, terminatedAt: new Date('2026-09-01T16:00:00.000Z') }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine('2026-11-01T16:30:00.000Z', { timezone: 'America/New_York' });
    try {
      expect(subjectsOf((await fx.run(engine)).policies[0]).due).toBe(0);
      engine.clock.set('2026-11-01T17:00:00.001Z');
      expect(subjectsOf((await fx.run(engine)).policies[0]).purged).toBe(1);
      expect((await subjectEntries(engine, id))[0]!.data.deadline).toBe('2026-11-01T17:00:00.000Z');
    } finally {
      await engine.close();
    }
  });
});

describe('dry runs, refusals and budgets', () => {
  it('dry run: counts what each target would delete, deletes and marks nothing, writes no subject entry', async () => {
    const ids = ['1400000301', '1400000302'];
    await fx.addAccounts(ids.map((id) => ({ id, terminatedAt: at(TWO_MONTHS_AGO, -day) })));
    await fx.addConfiguration(ids);
    const engine = await fx.openEngine(NOW);
    try {
      const doc = await fx.run(engine, { dryRun: true });
      const policy = doc.policies[0]!;
      expect(doc.dryRun).toBe(true);
      expect(subjectsOf(policy)).toMatchObject({ due: 2, purged: 0 });
      expect(policy.targets.map((t) => [t.target.replace(fx.space.prefix, ''), t.deleted, t.wouldDelete])).toEqual([
        ['im_app_config', 0, 2],
        ['im_push_certificate', 0, 4],
        ['app_settings', 0, 2],
        ['im:cfg:<subject>', 0, 2],
        ['im:cfg:<subject>:*', 0, 2],
      ]);
      for (const id of ids) {
        expect(await fx.remaining(id)).toEqual({ mysql: 3, mongo: 1, redis: 2 });
        expect(await fx.markOf(id)).toBeNull();
        expect(await subjectEntries(engine, id)).toEqual([]);
      }
    } finally {
      await engine.close();
    }
  });

  it('refuses to run without an audit key, before touching anything', async () => {
    const id = '1400000303';
    await fx.addAccounts([{ id, terminatedAt: at(TWO_MONTHS_AGO, -day) }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine(NOW, { auditKey: '' });
    try {
      // This trail is keyed (earlier runs): with no key, not even the refusal may be appended to it.
      await expect(fx.run(engine)).rejects.toThrow(/audit\.key: is empty, but the audit trail .* is written with a key/);
      expect(await fx.remaining(id)).toEqual({ mysql: 3, mongo: 1, redis: 2 });
      // The lock was released: a run with a key goes through.
      expect(await engine.ctx.coordination.isPolicyLocked('configuration-data')).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('defers the rest when the time budget runs out: policy partial, deferred counted, next run finishes', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => String(1_400_000_400 + i));
    await fx.addAccounts(ids.map((id) => ({ id, terminatedAt: at(TWO_MONTHS_AGO, -day) })));
    await fx.addConfiguration(ids);
    const engine = await fx.openEngine(NOW, { batchSize: 10, maxRunSeconds: 60 });
    try {
      // Each batch "takes" 40 s on the injected clock: the budget is spent after the second.
      const runner = createSubjectPolicyRunner({ beforeClaim: async () => engine.clock.advance(40_000) });
      const doc = await fx.run(engine, {}, runner);
      const policy = doc.policies[0]!;
      expect(doc.status).toBe('partial');
      expect(policy.status).toBe('partial');
      expect(subjectsOf(policy)).toMatchObject({ due: 25, purged: 20, deferred: 5, failed: 0, skipped: 0 });
      expect(policy.targets.every((t) => t.status === 'partial' && t.reason === 'time-budget')).toBe(true);
      expect(await fx.markOf(ids[24]!)).toBeNull();

      const next = await fx.run(engine);
      expect(subjectsOf(next.policies[0])).toMatchObject({ due: 5, purged: 5, deferred: 0 });
    } finally {
      await engine.close();
    }
  });

  it('stops after the batch in hand on a stop signal, the rest deferred', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => String(1_400_000_500 + i));
    await fx.addAccounts(ids.map((id) => ({ id, terminatedAt: at(TWO_MONTHS_AGO, -day) })));
    await fx.addConfiguration(ids);
    const engine = await fx.openEngine(NOW, { batchSize: 5 });
    try {
      const runner = createSubjectPolicyRunner({ beforeClaim: async () => engine.stop.request('SIGTERM') });
      const doc = await fx.run(engine, {}, runner);
      expect(doc.policies[0]!.status).toBe('partial');
      expect(subjectsOf(doc.policies[0])).toMatchObject({ due: 12, purged: 5, deferred: 7 });
      expect(doc.policies[0]!.targets[0]!.reason).toBe('signal');
    } finally {
      await engine.close();
    }
  });
});
