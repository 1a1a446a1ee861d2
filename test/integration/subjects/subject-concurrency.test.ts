import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { subjectHash } from '../../../src/audit/subject-hash.js';
import type { OpenEngine } from '../../../src/engine/open-engine.js';
import type { OpenPolicyRun } from '../../../src/engine/open-policy-run.js';
import { createSubjectPolicyRunner, runSubjectPolicy } from '../../../src/subjects/run-subject-policy.js';
import { findSubjectPurges } from '../../../src/subjects/find-subject-purges.js';
import { AUDIT_KEY, SubjectFixture } from './subject-fixture.js';

const NOW = '2026-11-28T10:00:00.000Z';
const DUE_AT = new Date('2026-09-20T10:00:00.000Z');
const ALL_THERE = { mysql: 3, mongo: 1, redis: 2 };

let fx: SubjectFixture;

beforeAll(async () => {
  fx = await SubjectFixture.create('subject_concurrency');
});
afterAll(async () => {
  await fx?.drop();
});
beforeEach(async () => {
  await fx.reset();
});

/** `purged` subject entries per subject hash, over the whole trail. */
async function purgedEntriesByHash(engine: OpenEngine): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await engine.audit.list({ limit: 100_000 })) {
    if (e.kind !== 'subject' || e.data.status !== 'purged' || !e.subjectHash) continue;
    counts.set(e.subjectHash, (counts.get(e.subjectHash) ?? 0) + 1);
  }
  return counts;
}

function seedDue(count: number, base: number): string[] {
  return Array.from({ length: count }, (_, i) => String(base + i));
}

describe('two runs at once', () => {
  it('two workers starting the policy together: one runs, the other is refused; each subject purged and audited once', async () => {
    const ids = seedDue(40, 1_400_000_800);
    await fx.addAccounts(ids.map((id) => ({ id, terminatedAt: DUE_AT })));
    await fx.addConfiguration(ids);
    const a = await fx.openEngine(NOW, { batchSize: 10 });
    const b = await fx.openEngine(NOW, { batchSize: 10 });
    try {
      const [da, db] = await Promise.all([fx.run(a), fx.run(b)]);
      const statuses = [da.policies[0]!, db.policies[0]!].map((p) => p.status).sort();
      expect(statuses).toEqual(['refused', 'succeeded']);
      expect([da, db].find((d) => d.status === 'refused')!.policies[0]!.reason).toBe('already-running');
      const byHash = await purgedEntriesByHash(a);
      for (const id of ids) {
        expect(byHash.get(subjectHash(AUDIT_KEY, id))).toBe(1);
        expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 0, redis: 0 });
      }
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('even past the policy lock, row claims (SKIP LOCKED) let each subject be purged by one run only', async () => {
    const ids = seedDue(120, 1_400_000_900);
    await fx.addAccounts(ids.map((id) => ({ id, terminatedAt: DUE_AT })));
    await fx.addConfiguration(ids);
    const a = await fx.openEngine(NOW, { batchSize: 20 });
    const b = await fx.openEngine(NOW, { batchSize: 20 });
    // Two open runs as if both had the policy lock (a lost lock, a second deployment…).
    const openRun = (engine: OpenEngine, runId: string): OpenPolicyRun => ({
      runId,
      policy: engine.ctx.config.policies[0]!,
      evaluatedAt: new Date(NOW),
      cutoff: null,
      dryRun: false,
      lock: { release: async () => {} },
      logger: engine.ctx.logger,
    });
    try {
      const [ra, rb] = await Promise.all([
        runSubjectPolicy(a.ctx, openRun(a, 'run-a'), {}),
        runSubjectPolicy(b.ctx, openRun(b, 'run-b'), {}),
      ]);
      expect(ra.subjects!.purged + rb.subjects!.purged).toBe(120);
      expect(ra.subjects!.failed + rb.subjects!.failed).toBe(0);
      // Whatever one run saw as due and the other had taken is a skip, audited with why.
      const skips = (await a.audit.list({ limit: 100_000 })).filter((e) => e.kind === 'subject' && e.data.status === 'skipped');
      expect(skips.length).toBe(ra.subjects!.skipped + rb.subjects!.skipped);
      for (const e of skips) expect(['locked', 'already-purged']).toContain(e.data.reason);
      const byHash = await purgedEntriesByHash(a);
      for (const id of ids) expect(byHash.get(subjectHash(AUDIT_KEY, id))).toBe(1);
      const [rows] = await fx.db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM im_account WHERE config_purged_at IS NULL');
      expect(Number(rows[0]!.n)).toBe(0);
      expect(await fx.redisKeys()).toEqual([]);
      expect((await a.audit.verify()).ok).toBe(true);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('the reactivation race', () => {
  it('skips and audits a subject reactivated (or terminated again) after selection, before its row was locked', async () => {
    const [reactivated, reTerminated, due] = seedDue(3, 1_400_001_000);
    await fx.addAccounts([reactivated!, reTerminated!, due!].map((id) => ({ id, terminatedAt: DUE_AT })));
    await fx.addConfiguration([reactivated!, reTerminated!, due!]);
    const engine = await fx.openEngine(NOW);
    try {
      const runner = createSubjectPolicyRunner({
        beforeClaim: async () => {
          await fx.db.pool.query('UPDATE im_account SET status = ? WHERE app_id = ?', ['active', BigInt(reactivated!)]);
          await fx.db.pool.query('UPDATE im_account SET terminated_at = ? WHERE app_id = ?', [
            new Date('2026-11-27T00:00:00.000Z'),
            BigInt(reTerminated!),
          ]);
        },
      });
      const doc = await fx.run(engine, {}, runner);
      expect(doc.policies[0]!.subjects).toMatchObject({ due: 3, purged: 1, skipped: 2, failed: 0 });
      expect(await fx.remaining(reactivated!)).toEqual(ALL_THERE);
      expect(await fx.remaining(reTerminated!)).toEqual(ALL_THERE);
      expect(await fx.remaining(due!)).toEqual({ mysql: 0, mongo: 0, redis: 0 });
      expect(await fx.markOf(reactivated!)).toBeNull();

      const [skip] = await findSubjectPurges(engine.audit, AUDIT_KEY, reactivated!);
      expect(skip!.data).toMatchObject({ status: 'skipped', reason: 'reactivated', marked: false, stores: [] });
      const [notDue] = await findSubjectPurges(engine.audit, AUDIT_KEY, reTerminated!);
      expect(notDue!.data).toMatchObject({ status: 'skipped', reason: 'not-due', deadline: '2027-01-27T00:00:00.000Z' });
    } finally {
      await engine.close();
    }
  });

  it('does not wait for a row the application holds locked: skipped as locked, its data kept', async () => {
    const [busy, due] = seedDue(2, 1_400_001_100);
    await fx.addAccounts([busy!, due!].map((id) => ({ id, terminatedAt: DUE_AT })));
    await fx.addConfiguration([busy!, due!]);
    const engine = await fx.openEngine(NOW);
    const app = await createConnection(fx.db.url);
    try {
      // The application is in the middle of reactivating `busy`.
      await app.query('START TRANSACTION');
      await app.query('SELECT status FROM im_account WHERE app_id = ? FOR UPDATE', [BigInt(busy!)]);
      const doc = await fx.run(engine);
      expect(doc.policies[0]!.subjects).toMatchObject({ due: 2, purged: 1, skipped: 1 });
      await app.query('UPDATE im_account SET status = ? WHERE app_id = ?', ['active', BigInt(busy!)]);
      await app.query('COMMIT');
      expect(await fx.remaining(busy!)).toEqual(ALL_THERE);
      const [skip] = await findSubjectPurges(engine.audit, AUDIT_KEY, busy!);
      expect(skip!.data).toMatchObject({ status: 'skipped', reason: 'locked' });
    } finally {
      await app.end();
      await engine.close();
    }
  });

  it('makes a reactivation that arrives while the batch is locked wait until its purge is committed', async () => {
    const id = '1400001201';
    await fx.addAccounts([{ id, terminatedAt: DUE_AT }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine(NOW);
    const app = await createConnection(fx.db.url);
    await app.query('SET SESSION innodb_lock_wait_timeout = 10');
    try {
      let update: Promise<unknown> | undefined;
      let updatedWhileLocked = false;
      const runner = createSubjectPolicyRunner({
        afterClaim: async () => {
          let done = false;
          update = app.query('UPDATE im_account SET status = ? WHERE app_id = ?', ['active', BigInt(id)]).then(() => (done = true));
          await new Promise((resolve) => setTimeout(resolve, 300));
          updatedWhileLocked = done;
        },
      });
      const doc = await fx.run(engine, {}, runner);
      await update;
      expect(updatedWhileLocked).toBe(false);
      // The purge was decided on the locked row, so it completed; the reactivation then went through.
      expect(doc.policies[0]!.subjects).toMatchObject({ purged: 1 });
      expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 0, redis: 0 });
      const [rows] = await fx.db.pool.query<RowDataPacket[]>('SELECT status, config_purged_at AS m FROM im_account WHERE app_id = ?', [
        BigInt(id),
      ]);
      expect(rows[0]).toMatchObject({ status: 'active', m: new Date(NOW) });
    } finally {
      await app.end();
      await engine.close();
    }
  });
});
