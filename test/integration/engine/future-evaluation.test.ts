import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { beginPolicyRun } from '../../../src/engine/policy-run.js';
import type { OpenEngine } from '../../../src/engine/open-engine.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { LOG_POLICY, openTestEngine, testConfig } from '../../support/engine.js';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';

const NOW = new Date('2026-11-28T10:00:00.000Z');

describe('a run evaluated in the future', () => {
  let db: TestDatabase;
  let engine: OpenEngine;

  beforeAll(async () => {
    db = await createTestDatabase('engine_future');
    await createReferenceTables(db.pool);
    engine = await openTestEngine(testConfig({ mysqlUrl: db.url, policies: LOG_POLICY }), { clock: fixedClock(NOW) });
  });
  afterAll(async () => {
    await engine?.close();
    await db?.drop();
  });

  it('is refused before it starts: its cutoff would make records not yet due due', async () => {
    const policy = engine.ctx.config.policies[0]!;
    const nextYear = new Date(NOW.getTime() + 365 * 86_400_000);
    const begun = await beginPolicyRun(engine.ctx, policy, {
      runId: 'b4f8c1e2-0d3a-4b5c-9e6f-7a8b9c0d1e2f',
      dryRun: false,
      evaluatedAt: nextYear,
    });
    expect('refused' in begun && begun.refused).toMatchObject({ status: 'refused', reason: 'future-evaluation' });
    expect(await engine.ctx.coordination.isPolicyLocked(policy.name)).toBe(false);
    // Within the allowed skew it opens.
    const soon = new Date(NOW.getTime() + 30_000);
    const open = await beginPolicyRun(engine.ctx, policy, {
      runId: 'c4f8c1e2-0d3a-4b5c-9e6f-7a8b9c0d1e2f',
      dryRun: false,
      evaluatedAt: soon,
    });
    expect('open' in open).toBe(true);
    if ('open' in open) await open.open.lock.release();
  });
});
