import type { ComplianceReport } from './compliance-report.js';
import { formatDuration } from './shortest-retention.js';

/** The text form of `retention report`. */
export function formatReport(report: ComplianceReport): string {
  const lines = [`report ${report.generatedAt}: ${report.status}`];
  let policy = '';
  for (const t of report.targets) {
    if (t.policy !== policy) {
      policy = t.policy;
      lines.push(
        `  policy ${t.policy}: cutoff ${t.cutoff}, overdue before ${t.overdueBefore} (schedule period ${formatDuration(t.periodSeconds * 1000)})`,
      );
    }
    const oldest = t.oldest ? `oldest ${t.oldest} (${formatDuration((t.oldestAgeSeconds ?? 0) * 1000)} old)` : 'nothing left';
    const enforced = t.enforcedBy ? `; enforced by ${t.enforcedBy}, the worker sweeps what it has not reached` : '';
    const keys = t.ttl ? t.ttl.withTtl + t.ttl.withoutTtl : 0;
    const share = (n: number) => `${keys === 0 ? 0 : Math.round((n / keys) * 100)}%`;
    const ttl = t.ttl
      ? `; keys with a TTL ${t.ttl.withTtl} (${share(t.ttl.withTtl)}, ${t.ttl.expiring} expiring by their deadline), without ${t.ttl.withoutTtl} (${share(t.ttl.withoutTtl)})`
      : '';
    const settings = (t.retention ?? [])
      .filter((f) => f.finding !== 'ok')
      .map(
        (f) =>
          `; topic ${f.resource}: ${f.finding} (retention.ms ${f.retentionMs ?? 'unknown'} from ${f.source}, cleanup.policy ${f.cleanupPolicy}, promise ${f.promiseMs})`,
      )
      .join('');
    const detail = t.error ? t.error : `${oldest}, overdue ${t.overdue}, no usable time ${t.unusableTime}${enforced}${ttl}${settings}`;
    lines.push(`    ${t.store.padEnd(5)} ${t.target.padEnd(28)} ${t.status.padEnd(11)} ${t.status === 'disabled' ? '' : detail}`.trimEnd());
  }
  for (const s of report.subjects) {
    const detail = s.error
      ? s.error
      : `due ${s.due}, overdue ${s.overdue}${s.oldestDeadline ? ` (earliest deadline ${s.oldestDeadline})` : ''}, held ${s.held}, terminated without a time ${s.unusableTime}`;
    lines.push(`  policy ${s.policy} (subjects, schedule period ${formatDuration(s.periodSeconds * 1000)}): ${s.status}  ${detail}`);
  }
  if (report.blocked.length > 0) {
    const total = report.blocked.reduce((n, b) => n + (b.count ?? 0), 0);
    lines.push(`blocked: ${report.blocked.length} promise(s) cannot be kept (${total} record(s) or account(s) counted):`);
    for (const b of report.blocked) lines.push(`  - [${b.reason}] ${b.message}`);
  }
  if (report.warnings.length > 0) {
    lines.push('warnings:');
    for (const w of report.warnings) lines.push(`  - [${w.code}] ${w.message}`);
  }
  if (report.notes && report.notes.length > 0) {
    lines.push('notes:');
    for (const n of report.notes) lines.push(`  - [${n.code}] ${n.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `report`'s exit code: 1 overdue data, or a promise that cannot be kept; 3 could not check; 0 otherwise. */
export function reportExitCode(report: ComplianceReport): 0 | 1 | 3 {
  return report.status === 'overdue' || report.status === 'blocked' ? 1 : report.status === 'cannot-check' ? 3 : 0;
}
