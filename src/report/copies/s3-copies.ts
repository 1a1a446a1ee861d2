import type { ResolvedConfig } from '../../config/load-config.js';
import type { PolicyConfig, S3TargetConfig } from '../../config/schema.js';
import { lifecycleCoverage } from '../../stores/s3/lifecycle-coverage.js';
import type { BucketSettings } from '../../stores/s3/bucket-settings.js';
import type { S3Store } from '../../stores/s3/s3-store.js';
import type { ReportNote, ReportWarning } from '../compliance-report.js';

const HOURS_PER_DAY = 24;
/** The shortest calendar month, for a promise in months against rules counted in days. */
const SHORTEST_MONTH_DAYS = 28;

export interface S3Findings {
  warnings: ReportWarning[];
  notes: ReportNote[];
}

/**
 * What the buckets of the S3 targets say beyond their objects. Versioning: deleting the current
 * version leaves the data in older ones, so a versioned bucket without `allVersions` keeps purged
 * data. Lifecycle: a rule expiring the prefix within the promise is noted (the worker is then the
 * backstop, exact to the ms where the rule counts whole days about once a day); none is warned.
 * Subject policies have one deadline per subject, which no lifecycle rule can express.
 */
export async function s3Copies(config: ResolvedConfig, store: S3Store): Promise<S3Findings> {
  const findings: S3Findings = { warnings: [], notes: [] };
  const settings = new Map<string, Promise<BucketSettings>>();
  const read = (bucket: string) => {
    let found = settings.get(bucket);
    if (!found) settings.set(bucket, (found = store.bucketSettings(bucket)));
    return found;
  };
  const unreadableSeen = new Set<string>();
  for (const policy of config.policies.filter((p) => p.enabled)) {
    for (const target of policy.targets) {
      if (target.store !== 's3') continue;
      const bucket = await read(target.bucket);
      const name = `${target.bucket}/${target.prefix}`;
      if (bucket.unreadable.length > 0 && !unreadableSeen.has(target.bucket)) {
        unreadableSeen.add(target.bucket);
        findings.warnings.push({
          code: 'not-readable',
          store: 's3',
          message: `cannot read the ${bucket.unreadable.join(' and ')} settings of bucket ${target.bucket}: check its versioning and lifecycle rules by hand`,
        });
      }
      const versioned = bucket.versioning === 'Enabled' || bucket.versioning === 'Suspended';
      if (versioned && !target.allVersions) {
        findings.warnings.push({
          code: 's3-versioned',
          store: 's3',
          policy: policy.name,
          message: `bucket ${target.bucket} is versioned (${bucket.versioning}) and target ${name} deletes only current versions: purged objects stay in older versions; set allVersions: true`,
        });
      }
      if (policy.retain.after === 'termination' || bucket.lifecycle === null) continue;
      lifecycleFinding(findings, policy, target, bucket.lifecycle, versioned);
    }
  }
  return findings;
}

function lifecycleFinding(
  findings: S3Findings,
  policy: PolicyConfig,
  target: S3TargetConfig,
  rules: NonNullable<BucketSettings['lifecycle']>,
  versioned: boolean,
): void {
  const days = promiseDays(policy.retain);
  const name = `${target.bucket}/${target.prefix}`;
  const coverage = lifecycleCoverage(rules, target.prefix, days, versioned);
  if (coverage.rule) {
    findings.notes.push({
      code: 's3-lifecycle',
      store: 's3',
      policy: policy.name,
      message: `lifecycle rule ${coverage.rule.id ?? '(unnamed)'} of bucket ${target.bucket} expires ${name} after ${coverage.rule.expirationDays} days, within the ${days}-day promise of ${policy.name}: the worker is the backstop`,
    });
  } else {
    findings.warnings.push({
      code: 's3-no-lifecycle',
      store: 's3',
      policy: policy.name,
      message: `no lifecycle rule of bucket ${target.bucket} expires ${name} within the ${days}-day promise of ${policy.name} (${coverage.reason}): only this worker purges it`,
    });
  }
}

/** The promise in whole days, rounded down, as lifecycle rules count. */
export function promiseDays(retain: PolicyConfig['retain']): number {
  if (retain.days !== undefined) return retain.days;
  if (retain.hours !== undefined) return Math.floor(retain.hours / HOURS_PER_DAY);
  return (retain.months ?? 0) * SHORTEST_MONTH_DAYS;
}
