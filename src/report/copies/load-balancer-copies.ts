import type { ResolvedConfig } from '../../config/load-config.js';
import type { ReportNote, ReportWarning } from '../compliance-report.js';

/** Stores load-balancer access logs are shipped to (CLB/ALB log delivery: object storage or Kafka). */
const LOG_SINKS: readonly string[] = ['s3', 'kafka'];

/**
 * The load balancers' access logs are a derived copy of request data the worker never reads
 * directly: they land in object storage (COS) or on Kafka topics (CKafka), and are purged by
 * serving those. The report says so, and warns when no enabled policy serves either.
 */
export function loadBalancerCopies(config: ResolvedConfig): { warnings: ReportWarning[]; notes: ReportNote[] } {
  const served = config.policies
    .filter((p) => p.enabled && p.retain.after !== 'termination')
    .flatMap((p) =>
      p.targets.filter((t) => LOG_SINKS.includes(t.store) && config.enabledStores.has(t.store)).map((t) => `${p.name} (${t.store})`),
    );
  if (served.length > 0) {
    return {
      warnings: [],
      notes: [
        {
          code: 'lb-access-logs',
          message: `load-balancer access logs land in object storage or Kafka: they are covered by serving those targets (${[...new Set(served)].join(', ')})`,
        },
      ],
    };
  }
  return {
    warnings: [
      {
        code: 'lb-access-logs',
        message:
          'load-balancer access logs land in object storage or Kafka, and no enabled policy has an s3 or kafka target: check that their delivery bucket or topic expires them',
      },
    ],
    notes: [],
  };
}
