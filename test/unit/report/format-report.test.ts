import { describe, expect, it } from 'vitest';
import { formatReport, reportExitCode } from '../../../src/report/format-report.js';
import type { ComplianceReport, TargetReport } from '../../../src/report/compliance-report.js';
import { WorkerMetrics } from '../../../src/metrics/worker-metrics.js';

const target = (over: Partial<TargetReport>): TargetReport => ({
  policy: 'log-data',
  category: 'log',
  store: 'mysql',
  target: 'im_request_log',
  status: 'ok',
  cutoff: '2026-11-21T10:00:00.000Z',
  overdueBefore: '2026-11-21T09:00:00.000Z',
  periodSeconds: 3600,
  oldest: '2026-11-21T09:30:00.000Z',
  oldestAgeSeconds: 8 * 86400,
  overdue: 0,
  unusableTime: 0,
  error: null,
  ...over,
});
const report = (targets: TargetReport[], status: ComplianceReport['status']): ComplianceReport => ({
  generatedAt: '2026-11-28T10:00:00.000Z',
  configHash: 'x',
  status,
  targets,
  subjects: [],
  blocked: [],
  warnings: [{ code: 'redis-rdb', store: 'redis', message: 'RDB snapshots are on' }],
});

describe('the report', () => {
  it('maps its status to exit codes: overdue or blocked 1, cannot check 3, else 0', () => {
    expect(reportExitCode(report([], 'ok'))).toBe(0);
    expect(reportExitCode(report([], 'overdue'))).toBe(1);
    expect(reportExitCode(report([], 'cannot-check'))).toBe(3);
    expect(reportExitCode(report([], 'blocked'))).toBe(1);
  });

  it('prints one line per target and every warning', () => {
    const text = formatReport(report([target({ status: 'overdue', overdue: 12, unusableTime: 3 })], 'overdue'));
    expect(text).toContain('report 2026-11-28T10:00:00.000Z: overdue');
    expect(text).toMatch(/im_request_log\s+overdue\s+oldest .*, overdue 12, no usable time 3/);
    expect(text).toContain('[redis-rdb] RDB snapshots are on');
  });

  it('sets the overdue and oldest-age gauges from a report, leaving out targets it could not check', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    metrics.setReport(
      report([target({ overdue: 4 }), target({ target: 'im_exception_log', status: 'unreachable', error: 'down' })], 'cannot-check'),
    );
    const text = await metrics.text();
    expect(text).toContain('retention_target_overdue_records{policy="log-data",store="mysql",target="im_request_log"} 4');
    expect(text).toContain(
      `retention_target_oldest_record_age_seconds{policy="log-data",store="mysql",target="im_request_log"} ${8 * 86400}`,
    );
    expect(text).not.toContain('target="im_exception_log"');
    expect(text).toContain('retention_report_up 0');
    expect(text).toContain('retention_report_warnings{code="redis-rdb"} 1');
  });
});
