import type { RetentionFinding, StoreName } from '../types.js';

/** What `retention report` finds for one target of an age policy. */
export interface TargetReport {
  policy: string;
  category: string;
  store: StoreName;
  target: string;
  /**
   * `ok`; `overdue` (records older than the cutoff by more than one schedule period);
   * `disabled` (store or policy disabled); `refused` (the worker refuses to purge it: no
   * index, unknown column…, so its promise cannot be kept); `unreachable` / `error` (could not check);
   * `retention-exceeds-promise` (Kafka: a topic's own `retention.ms` keeps data longer than the
   * promise, is infinite, or its `cleanup.policy` is compact-only; like `overdue`, exit 1).
   */
  status: 'ok' | 'overdue' | 'disabled' | 'refused' | 'unreachable' | 'error' | 'retention-exceeds-promise';
  /** `now − retain`. */
  cutoff: string;
  /** `cutoff − period`: records older than this should have been purged by now. */
  overdueBefore: string;
  /** The longest gap between two ticks of the policy's cron, in seconds. */
  periodSeconds: number;
  /** The oldest remaining record with a usable time. */
  oldest: string | null;
  oldestAgeSeconds: number | null;
  overdue: number;
  unusableTime: number;
  /** Stores with their own retention setting (Kafka): each topic's setting judged against the promise (never changed by `report`). */
  retention?: RetentionFinding[];
  /** The store's own expiry enforcing the promise (a MongoDB TTL index); the worker sweeps what it has not reached yet. */
  enforcedBy?: string;
  /** Whole-key Redis targets: keys with and without their own TTL, and those it expires by their deadline. */
  ttl?: { withTtl: number; withoutTtl: number; expiring: number };
  error: string | null;
}

/** What `retention report` finds for a subject (event-anchored) policy. */
export interface SubjectPolicyReport {
  policy: string;
  category: string;
  status: 'ok' | 'overdue' | 'disabled' | 'unreachable' | 'error';
  periodSeconds: number;
  /** Subjects whose deadline passed (due now). */
  due: number;
  /** Due subjects whose deadline passed more than one period ago. */
  overdue: number;
  /** The earliest deadline among due subjects. */
  oldestDeadline: string | null;
  /** Terminated subjects with no termination time: never due, reported. */
  unusableTime: number;
  /** Due subjects under legal hold (not overdue: kept on purpose). */
  held: number;
  error: string | null;
}

/** A copy of the data the worker cannot delete, or a part of the deployment that is switched off. */
export interface ReportWarning {
  code:
    | 'mysql-binlog'
    | 'mysql-general-log'
    | 'mysql-slow-log'
    | 'redis-rdb'
    | 'kafka-retention-unset'
    | 'redis-aof'
    | 'mongo-oplog'
    | 'store-disabled'
    | 'policy-disabled'
    | 'not-readable'
    | 's3-versioned'
    | 's3-no-lifecycle'
    | 'lb-access-logs';
  store?: StoreName;
  policy?: string;
  message: string;
}

/**
 * A promise the worker cannot keep, however often it runs: data it will never delete on time.
 * - `terminated-without-time`: terminated accounts with no termination time (no deadline);
 * - `unusable-time`: records of an age target whose time is missing or not a time;
 * - `target-refused`: a target the worker refuses to purge (no index, unknown table or column).
 */
export interface BlockedPromise {
  reason: 'terminated-without-time' | 'unusable-time' | 'target-refused';
  policy: string;
  store?: StoreName;
  target?: string;
  /** Subjects or records concerned; null when they cannot be counted (a refused target). */
  count: number | null;
  message: string;
}

export interface ComplianceReport {
  generatedAt: string;
  configHash: string;
  /**
   * `overdue` (data overdue, or a Kafka topic's retention longer than the promise) or `blocked`
   * (a promise that cannot be kept) → exit 1; `cannot-check` → exit 3; `ok` → exit 0.
   */
  status: 'ok' | 'overdue' | 'blocked' | 'cannot-check';
  targets: TargetReport[];
  subjects: SubjectPolicyReport[];
  /** Promises that cannot be kept (any of them makes the status at least `blocked`). */
  blocked: BlockedPromise[];
  warnings: ReportWarning[];
  /**
   * What the report found in order, worth saying but not a warning: a bucket lifecycle rule that
   * already expires a target's objects within the promise (the worker is then the backstop), and
   * which derived copies (load-balancer access logs) are covered by the targets served.
   */
  notes?: ReportNote[];
}

export interface ReportNote {
  code: 's3-lifecycle' | 'lb-access-logs';
  store?: StoreName;
  policy?: string;
  message: string;
}
