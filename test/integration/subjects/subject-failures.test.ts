import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import { findSubjectPurges, isCompletePurge } from '../../../src/subjects/find-subject-purges.js';
import { createSubjectPolicyRunner } from '../../../src/subjects/run-subject-policy.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { AUDIT_KEY, SubjectFixture } from './subject-fixture.js';

const NOW = '2026-11-28T10:00:00.000Z';
const DUE_AT = new Date('2026-09-20T10:00:00.000Z');
const ALL_THERE = { mysql: 3, mongo: 1, redis: 2 };

let fx: SubjectFixture;
let proxy: TcpProxy;

beforeAll(async () => {
  fx = await SubjectFixture.create('subject_failures');
  proxy = await startTcpProxy('127.0.0.1', 6379);
});
afterAll(async () => {
  await proxy?.close();
  await fx?.drop();
});
beforeEach(async () => {
  proxy.resume();
  await fx.reset();
});

const viaProxy = () => ({ redisUrl: `redis://127.0.0.1:${proxy.port}/0` });

describe('a store failing', () => {
  it('purges the other stores, does not mark, audits the failure; a later run completes and only then marks', async () => {
    const id = '1400000601';
    await fx.addAccounts([{ id, terminatedAt: DUE_AT }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine(NOW, viaProxy());
    try {
      proxy.cut();
      const failed = await fx.run(engine);
      const policy = failed.policies[0]!;
      expect(failed.status).toBe('failed');
      expect(policy.subjects).toMatchObject({ due: 1, purged: 0, failed: 1 });
      expect(policy.targets.map((t) => [t.store, t.status])).toEqual([
        ['mysql', 'succeeded'],
        ['mysql', 'succeeded'],
        ['mongo', 'succeeded'],
        ['redis', 'failed'],
        ['redis', 'failed'],
      ]);
      expect(policy.targets[3]!.error).toBeTruthy();
      expect(policy.targets[3]!.error).not.toContain(id);
      expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 0, redis: 2 });
      expect(await fx.markOf(id)).toBeNull();
      const [failedEntry] = await findSubjectPurges(engine.audit, AUDIT_KEY, id);
      expect(failedEntry!.data).toMatchObject({ status: 'failed', reason: 'store-failed', marked: false, stores: ['mysql', 'mongo'] });
      expect(isCompletePurge(failedEntry!)).toBe(false);

      proxy.resume();
      const done = await fx.run(engine);
      expect(done.status).toBe('succeeded');
      expect(done.policies[0]!.subjects).toMatchObject({ due: 1, purged: 1, failed: 0 });
      // What was already gone is not an error: MySQL and MongoDB report 0 the second time.
      expect(done.policies[0]!.targets.map((t) => t.deleted)).toEqual([0, 0, 0, 1, 1]);
      expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 0, redis: 0 });
      expect(await fx.markOf(id)).toEqual(new Date(NOW));
      const entries = await findSubjectPurges(engine.audit, AUDIT_KEY, id);
      expect(entries.map((e) => e.data.status)).toEqual(['purged', 'failed']);
      expect(isCompletePurge(entries[0]!)).toBe(true);
      expect((await engine.audit.verify()).ok).toBe(true);
    } finally {
      proxy.resume();
      await engine.close();
    }
  });

  it('gives up on a hung store at maxSubjectSeconds and unlocks the account rows at once', async () => {
    const id = '1400000602';
    await fx.addAccounts([{ id, terminatedAt: DUE_AT }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine(NOW, { ...viaProxy(), maxSubjectSeconds: 1 });
    // The application, with a short lock wait of its own, reactivates right after the run.
    const app = await createConnection(fx.db.url);
    await app.query('SET SESSION innodb_lock_wait_timeout = 1');
    try {
      // Redis answers the target check, then hangs once the batch's rows are locked.
      const runner = createSubjectPolicyRunner({ beforeClaim: async () => proxy.pause() });
      const started = performance.now();
      const doc = await fx.run(engine, {}, runner);
      const elapsed = performance.now() - started;
      expect(doc.policies[0]!.subjects).toMatchObject({ due: 1, purged: 0, failed: 1 });
      expect(doc.policies[0]!.targets[3]).toMatchObject({ status: 'failed' });
      expect(doc.policies[0]!.targets[3]!.error).toMatch(/maxSubjectSeconds/);
      expect(elapsed).toBeLessThan(10_000);
      expect(await fx.markOf(id)).toBeNull();
      await app.query('UPDATE im_account SET status = ? WHERE app_id = ?', ['active', BigInt(id)]);
    } finally {
      proxy.resume();
      await app.end();
      await engine.close();
    }
  });
});

describe('disabled stores and --store filters', () => {
  it('MongoDB disabled: marks subjects once MySQL and Redis are purged, the MongoDB target skipped', async () => {
    const id = '1400000701';
    await fx.addAccounts([{ id, terminatedAt: DUE_AT }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine(NOW, { mongoUrl: '' });
    try {
      const doc = await fx.run(engine);
      const policy = doc.policies[0]!;
      expect(doc.status).toBe('succeeded');
      expect(policy.subjects).toMatchObject({ due: 1, purged: 1 });
      expect(policy.targets[2]).toMatchObject({ store: 'mongo', status: 'skipped', reason: 'disabled', deleted: 0 });
      // This deployment "has no MongoDB": the document in the test server is not its data.
      expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 1, redis: 0 });
      expect(await fx.markOf(id)).toEqual(new Date(NOW));
      const [entry] = await findSubjectPurges(engine.audit, AUDIT_KEY, id);
      expect(entry!.data).toMatchObject({ status: 'purged', marked: true, stores: ['mysql', 'redis'] });
      expect(entry!.data.targets).toContainEqual({ store: 'mongo', target: 'app_settings', deleted: null, status: 'skipped' });
    } finally {
      await engine.close();
    }
  });

  it('a --store filtered run purges only those stores and does not mark; a full run then marks', async () => {
    const id = '1400000702';
    await fx.addAccounts([{ id, terminatedAt: DUE_AT }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine(NOW);
    try {
      const filtered = await fx.run(engine, { stores: ['mysql', 'redis'] });
      const policy = filtered.policies[0]!;
      expect(policy.targets.map((t) => t.store)).toEqual(['mysql', 'mysql', 'redis', 'redis']);
      expect(policy.subjects).toMatchObject({ due: 1, purged: 1 });
      expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 1, redis: 0 });
      expect(await fx.markOf(id)).toBeNull();
      const [partial] = await findSubjectPurges(engine.audit, AUDIT_KEY, id);
      expect(partial!.data).toMatchObject({ status: 'purged', reason: 'store-filter', marked: false, stores: ['mysql', 'redis'] });
      expect(isCompletePurge(partial!)).toBe(false);

      const full = await fx.run(engine);
      expect(full.policies[0]!.subjects).toMatchObject({ due: 1, purged: 1 });
      expect(await fx.remaining(id)).toEqual({ mysql: 0, mongo: 0, redis: 0 });
      expect(await fx.markOf(id)).toEqual(new Date(NOW));
    } finally {
      await engine.close();
    }
  });

  it('a --store filter covering every enabled store (MongoDB disabled) marks', async () => {
    const id = '1400000703';
    await fx.addAccounts([{ id, terminatedAt: DUE_AT }]);
    await fx.addConfiguration([id]);
    const engine = await fx.openEngine(NOW, { mongoUrl: '' });
    try {
      await fx.run(engine, { stores: ['mysql', 'redis'] });
      expect(await fx.markOf(id)).toEqual(new Date(NOW));
      expect(await fx.remaining(id)).toMatchObject({ mysql: 0, redis: 0 });
    } finally {
      await engine.close();
    }
  });

  it('leaves the data of a kept subject alone even when a filtered run touches its neighbours', async () => {
    const due = '1400000704';
    const kept = '1400000705';
    await fx.addAccounts([
      { id: due, terminatedAt: DUE_AT },
      { id: kept, status: 'active' },
    ]);
    await fx.addConfiguration([due, kept]);
    const engine = await fx.openEngine(NOW);
    try {
      await fx.run(engine, { stores: ['redis'] });
      expect(await fx.remaining(due)).toEqual({ mysql: 3, mongo: 1, redis: 0 });
      expect(await fx.remaining(kept)).toEqual(ALL_THERE);
    } finally {
      await engine.close();
    }
  });
});
