import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { openTestEngine, testConfig } from '../../support/engine.js';
import { runPolicies } from '../../../src/engine/run-policies.js';
import { fixedClock } from '../../../src/clock.js';

const NOW = new Date('2026-01-10T10:00:00.000Z');
// retain 7 days: cutoff 2026-01-03T10:00Z, so p0 (< 01-02) and p1 (< 01-03) are wholly due, p2 is the boundary.
const POLICY = `
  - name: daily-logs
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: daily_log, time: at, partitions: { action: drop, lockWaitSeconds: 1, premake: 1, interval: day } }
`;

describe('a policy on a partitioned table: dry run, run and audit', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('engine_partitions');
    await db.pool.query(
      `CREATE TABLE daily_log (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, at DATETIME(3) NOT NULL, PRIMARY KEY (id, at), KEY idx_at (at))
       PARTITION BY RANGE (TO_DAYS(at)) (PARTITION p0 VALUES LESS THAN (TO_DAYS('2026-01-02')), PARTITION p1 VALUES LESS THAN (TO_DAYS('2026-01-03')),
         PARTITION p2 VALUES LESS THAN (TO_DAYS('2026-01-04')), PARTITION pmax VALUES LESS THAN MAXVALUE)`,
    );
    await db.pool.query(
      "INSERT INTO daily_log (at) VALUES ('2026-01-01 01:00'), ('2026-01-01 02:00'), ('2026-01-02 05:00'), ('2026-01-03 09:59:59.999'), ('2026-01-03 10:00:00'), ('2026-01-20 00:00')",
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  it('the dry run lists the partitions it would drop with their rows; the run drops them, pre-creates, and audits both', async () => {
    const engine = await openTestEngine(testConfig({ mysqlUrl: db.url, policies: POLICY }), { clock: fixedClock(NOW) });
    try {
      const dry = await runPolicies(engine.ctx, { dryRun: true });
      expect(dry.policies[0]!.targets[0]).toMatchObject({
        wouldDelete: 4,
        partitions: [
          { name: 'p0', action: 'would-drop', rows: 2 },
          { name: 'p1', action: 'would-drop', rows: 1 },
        ],
      });
      const run = await runPolicies(engine.ctx, {});
      const target = run.policies[0]!.targets[0]!;
      expect(target).toMatchObject({ status: 'succeeded', deleted: 4 });
      expect(target.partitions?.map((p) => [p.name, p.action, p.rows])).toEqual([
        ['p20260104', 'created', 0],
        ['p20260105', 'created', 0],
        ['p20260106', 'created', 0],
        ['p20260107', 'created', 0],
        ['p20260108', 'created', 0],
        ['p20260109', 'created', 0],
        ['p20260110', 'created', 0],
        ['p20260111', 'created', 0],
        ['p0', 'dropped', 2],
        ['p1', 'dropped', 1],
      ]);
      const entries = await engine.audit.list({ runId: run.runId });
      const audited = entries.find((e) => e.kind === 'target')!.data.partitions as Array<Record<string, string>>;
      expect(audited.filter((p) => p.action === 'dropped')).toEqual([
        { name: 'p0', action: 'dropped', rows: '2', lessThan: '739983' },
        { name: 'p1', action: 'dropped', rows: '1', lessThan: '739984' },
      ]);
      const [rows] = await db.pool.query('SELECT at FROM daily_log ORDER BY at');
      expect((rows as Array<{ at: Date }>).map((r) => r.at.toISOString())).toEqual([
        '2026-01-03T10:00:00.000Z',
        '2026-01-20T00:00:00.000Z',
      ]);
    } finally {
      await engine.close();
    }
  });
});
