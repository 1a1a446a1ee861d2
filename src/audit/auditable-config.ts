import type { ResolvedConfig } from '../config/load-config.js';
import { formatPath } from '../config/load-config.js';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { AUDIT_COLUMN_CHARS, columnLength } from './audit-columns.js';

/**
 * Every configured name the audit trail records in a sized column (policy names; each target's
 * table, collection or Redis `match`) that would not fit it. Checked by `config check` and before
 * a run opens its stores: a target whose entry cannot be written must not be purged.
 */
export function auditabilityIssues(config: Pick<ResolvedConfig, 'policies'>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (path: (string | number)[], value: string, column: keyof typeof AUDIT_COLUMN_CHARS) => {
    const max = AUDIT_COLUMN_CHARS[column];
    if (columnLength(value) > max) {
      issues.push({
        path: formatPath(path),
        message: `is ${columnLength(value)} characters long; the audit trail records it in a column of ${max} (${column}), so it cannot be audited`,
      });
    }
  };
  config.policies.forEach((policy, p) => {
    check(['policies', p, 'name'], policy.name, 'policy');
    policy.targets.forEach((target, t) => {
      const [field, value] = recordedName(target);
      check(['policies', p, 'targets', t, field], value, 'target');
    });
  });
  return issues;
}

/** Throws ConfigError (exit 2, naming each field) when the configuration cannot be audited. */
export function assertAuditable(config: Pick<ResolvedConfig, 'policies'>): void {
  const issues = auditabilityIssues(config);
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * The name a target is recorded under in the `target` column (engine/policy-run.ts `targetName`),
 * and the configuration field it comes from.
 */
function recordedName(target: ResolvedConfig['policies'][number]['targets'][number]): [string, string] {
  switch (target.store) {
    case 'mysql':
      return ['table', target.table];
    case 'mongo':
      return ['collection', target.collection];
    case 'redis':
      return ['match', target.match];
    case 's3':
      return ['prefix', `${target.bucket}/${target.prefix}`];
    case 'kafka':
      return target.topic !== undefined ? ['topic', target.topic] : ['match', `match:${target.match ?? ''}`];
  }
}
