import type { RetentionFinding, StoreName } from '../types.js';

/** What `retention report` finds for one target of an age policy. */
export interface TargetReport {
  policy: string;
  category: string;
  store: StoreName;
  target: string;
  /**
   * `ok`; `overdue` (records older than the cutoff by more than one schedule period);
   * `disabled` (store or policy disabled); `unreachable` / `error` (could not check);
   * `retention-exceeds-promise` (Kafka: a topic's own `retention.ms` keeps data longer than the
   * promise, is infinite, or its `cleanup.policy` is compact-only; like `overdue`, exit 1).
   */
  status: 'ok' | 'overdue' | 'disabled' | 'unreachable' | 'error' | 'retention-exceeds-promise';
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
    | 'redis-aof'
    | 'mongo-oplog'
    | 'store-disabled'
    | 'policy-disabled'
    | 'kafka-retention-unset'
    | 'not-readable';
  store?: StoreName;
  policy?: string;
  message: string;
}

export interface ComplianceReport {
  generatedAt: string;
  configHash: string;
  /** `overdue` (data overdue, or a Kafka topic's retention longer than the promise) → exit 1; `cannot-check` → exit 3; `ok` → exit 0. */
  status: 'ok' | 'overdue' | 'cannot-check';
  targets: TargetReport[];
  subjects: SubjectPolicyReport[];
  warnings: ReportWarning[];
}
