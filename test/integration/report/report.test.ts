import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFixture, insertOldRequestLogs, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { reportCommand } from '../../../src/cli/commands/report.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { ComplianceReport } from '../../../src/report/compliance-report.js';

// Daily schedule: period 1 day. 7-day retention: rows older than 8 days are overdue.
const POLICIES = `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 3 * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
      - { store: mongo, collection: request_logs, time: requestedAt }
  - name: monitoring-data
    category: monitoring
    enabled: false
    retain: { days: 2 }
    schedule: { cron: "*/10 * * * *" }
    targets:
      - { store: mysql, table: im_monitoring_stat, time: window_start }
  - name: configuration-data
    category: configuration
    retain: { months: 2, after: termination }
    schedule: { cron: "17 3 * * *" }
    subjects:
      { store: mysql, table: im_account, id: app_id, status: status, terminatedValue: terminated,
        terminatedAt: terminated_at, legalHold: legal_hold, markPurged: config_purged_at }
    targets:
      - { store: mysql, table: im_app_config, subject: app_id }
`;

async function report(file: string): Promise<{ code: number; doc: ComplianceReport }> {
  let out = '';
  const code = await reportCommand({ config: file, json: true }, { stdout: (t) => (out += t), stderr: () => {}, logger: silentLogger() });
  return { code, doc: JSON.parse(out) as ComplianceReport };
}

describe('retention report', () => {
  let fx: QueueFixture;
  let file: string;

  beforeAll(async () => {
    fx = await createQueueFixture('report');
    ({ file } = fx.writeConfig(POLICIES));
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('exits 0 when nothing is overdue, and warns about disabled stores and policies', async () => {
    await insertOldRequestLogs(fx.db.pool, 30, 7.5); // due, but within one period of the cutoff
    const { code, doc } = await report(file);
    expect(code).toBe(0);
    expect(doc.status).toBe('ok');
    const target = doc.targets.find((t) => t.target === 'im_request_log')!;
    expect(target).toMatchObject({ status: 'ok', overdue: 0, unusableTime: 0, periodSeconds: 86_400 });
    expect(target.oldestAgeSeconds).toBeGreaterThan(7 * 86_400);
    expect(doc.targets.find((t) => t.target === 'request_logs')?.status).toBe('disabled');
    expect(doc.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['store-disabled', 'policy-disabled']));
    expect(doc.warnings.find((w) => w.code === 'policy-disabled')?.message).toContain('monitoring-data');
  });

  it('flags planted overdue rows and records with no usable time, and exits 1', async () => {
    await insertOldRequestLogs(fx.db.pool, 25, 9);
    await fx.db.pool.query(
      "INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES (1, x'c0000201', 'sendmsg', NULL), (1, x'c0000201', 'sendmsg', NULL)",
    );
    const { code, doc } = await report(file);
    expect(code).toBe(1);
    expect(doc.status).toBe('overdue');
    expect(doc.targets.find((t) => t.target === 'im_request_log')).toMatchObject({ status: 'overdue', overdue: 25, unusableTime: 2 });
  });

  it('counts subjects overdue past their deadline, apart from held ones and those with no termination time', async () => {
    await fx.db.pool.query('DELETE FROM im_request_log WHERE requested_at < NOW() - INTERVAL 8 DAY');
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    await fx.db.pool.query(
      'INSERT INTO im_account (app_id, uin, status, terminated_at, legal_hold) VALUES (1400000001, 1, ?, ?, 0), (1400000002, 2, ?, ?, 1), (1400000003, 3, ?, NULL, 0), (1400000004, 4, ?, ?, 0), (1400000005, 5, ?, ?, 0)',
      ['terminated', ago(130), 'terminated', ago(130), 'terminated', 'terminated', ago(61.5), 'active', ago(200)],
    );
    const { code, doc } = await report(file);
    const subjects = doc.subjects.find((s) => s.policy === 'configuration-data')!;
    // 1: overdue; 2: held; 3: no time; 4: due within a period of its deadline; 5: active.
    expect(subjects).toMatchObject({ status: 'overdue', due: 2, overdue: 1, held: 1, unusableTime: 1 });
    expect(code).toBe(1);
  });

  it('says when a promise cannot be kept: accounts without a termination time, records without a time, a refused target; exit 1', async () => {
    // Nothing overdue left: only what no run can ever purge.
    await fx.db.pool.query("DELETE FROM im_account WHERE terminated_at IS NOT NULL AND status = 'terminated' AND legal_hold = 0");
    const { code, doc } = await report(file);
    expect(doc.status).toBe('blocked');
    expect(code).toBe(1);
    expect(doc.blocked).toEqual([
      expect.objectContaining({ reason: 'unusable-time', policy: 'log-data', store: 'mysql', target: 'im_request_log', count: 2 }),
      expect.objectContaining({ reason: 'terminated-without-time', policy: 'configuration-data', count: 1 }),
    ]);
    let text = '';
    const textCode = await reportCommand({ config: file }, { stdout: (t) => (text += t), stderr: () => {}, logger: silentLogger() });
    expect(textCode).toBe(1);
    expect(text).toContain(': blocked\n');
    expect(text).toContain('blocked: 2 promise(s) cannot be kept (3 record(s) or account(s) counted):');
    expect(text).toContain('[terminated-without-time] 1 terminated account(s) of policy configuration-data have no termination time');

    // A target the worker refuses (no index on its time column) is never purged either.
    await fx.db.pool.query('CREATE TABLE im_unindexed (id BIGINT PRIMARY KEY, created_at DATETIME(3) NULL)');
    const refusedPolicy = `
  - name: unindexed-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 3 * * *" }
    targets:
      - { store: mysql, table: im_unindexed, time: created_at }
`;
    const { file: refusedFile } = fx.writeConfig(POLICIES + refusedPolicy, { name: 'refused' });
    const refused = await report(refusedFile);
    expect(refused.code).toBe(1);
    expect(refused.doc.targets.find((t) => t.target === 'im_unindexed')).toMatchObject({ status: 'refused' });
    expect(refused.doc.blocked).toContainEqual(
      expect.objectContaining({ reason: 'target-refused', policy: 'unindexed-data', target: 'im_unindexed', count: null }),
    );
  });

  it('exits 3 when MySQL cannot be reached', async () => {
    const { file: unreachable } = fx.writeConfig(POLICIES, { name: 'unreachable', mysqlUrl: 'mysql://root@127.0.0.1:1/nowhere' });
    const { code, doc } = await report(unreachable);
    expect(code).toBe(3);
    expect(doc.status).toBe('cannot-check');
    expect(doc.targets.find((t) => t.target === 'im_request_log')?.status).toBe('unreachable');
  });
});
