/**
 * Terminology
 * - policy: one retention promise ("request logs are kept 7 days"), with a rule (`retain`) and targets.
 * - target: one place a policy purges: a MySQL table, a MongoDB collection, a Redis key pattern, or
 *   an S3 bucket prefix.
 * - record: what a target holds: a row, a document, a key, or a sorted-set member / stream entry.
 * - cutoff: for an age policy, `evaluatedAt − retain`; a record with `time < cutoff` is due,
 *   one at or after the cutoff is kept.
 * - subject: an account (an `app_id`) whose configuration data is purged some time after its
 *   termination; each subject has its own deadline.
 * - run: one execution of one or more policies, identified by a `runId`, audited from start to finish.
 * - batch: the unit of deletion: one short statement / command, never a long transaction.
 */

export type StoreName = 'mysql' | 'mongo' | 'redis' | 's3' | 'kafka';
export const STORE_NAMES: readonly StoreName[] = ['mysql', 'mongo', 'redis', 's3', 'kafka'];

/** Status of one target within a run. */
export type TargetStatus = 'succeeded' | 'partial' | 'failed' | 'skipped' | 'refused';

/** Status of a policy or of a whole run. */
export type RunStatus = 'succeeded' | 'partial' | 'failed' | 'refused';

export interface TargetRef {
  readonly store: StoreName;
  /** MySQL table, MongoDB collection, the Redis `match` pattern, `bucket/prefix` (S3), or the Kafka topic (`match:REGEX`). */
  readonly target: string;
}

/**
 * A store's own retention setting (Kafka's `retention.ms` and `cleanup.policy`) judged against the
 * promise: the store deletes by itself what the setting says, so a longer setting breaks the promise
 * between runs, and an unset one depends on a broker default someone else controls.
 */
export interface RetentionFinding {
  /** The topic. */
  resource: string;
  /** `ok`; `longer-than-promise` (or infinite); `unset` (the broker default applies); `compact-only` (no time-based deletion). */
  finding: 'ok' | 'longer-than-promise' | 'unset' | 'compact-only';
  /** The effective retention in ms (-1 = forever), null when the broker does not say. */
  retentionMs: number | null;
  /** `topic`: the topic's own setting; `broker`: a broker-wide or built-in default. */
  source: 'topic' | 'broker';
  cleanupPolicy: string;
  /** The promise it was judged against, in ms. */
  promiseMs: number;
  /** Set when `enforce` changed the setting: `retention.ms` before and after, read back from the broker. */
  changed?: { before: number | null; beforeSource: 'topic' | 'broker'; after: number | null };
}

/** One partition operation of a run (see src/stores/mysql/partition-purge.ts). */
export interface PartitionChange {
  name: string;
  /** `would-*` in dry runs; `skipped`: left to the row walk this run (see `reason`). */
  action: 'dropped' | 'truncated' | 'would-drop' | 'would-truncate' | 'created' | 'skipped';
  /** Rows it held by an exact COUNT(*) taken just before the operation (0 for created). */
  rows: number;
  /** Its `VALUES LESS THAN` bound as information_schema writes it. */
  lessThan: string;
  reason?: string;
}

export interface TargetResult extends TargetRef {
  status: TargetStatus;
  /** Why a target was skipped or refused (`disabled`, `store-filter`, `no-index`…). */
  reason?: string;
  deleted: number;
  /** Only with `--dry-run`: everything due, not capped by batch or time limits. */
  wouldDelete?: number;
  /** Records the age policy could not judge (missing or non-date time). */
  unusableTime?: number;
  /** MySQL partitions this run removed, would remove (dry run), created or left for the row walk, with their rows. */
  partitions?: PartitionChange[];
  /** Stores with their own retention setting (Kafka): each topic's, judged and possibly enforced. */
  retention?: RetentionFinding[];
  error: string | null;
  batches: number;
  durationMs: number;
  /** True when its `target` entry could not be appended to the audit trail (run-finished then says so). */
  unaudited?: boolean;
}

export interface SubjectCounts {
  due: number;
  purged: number;
  failed: number;
  skipped: number;
  deferred: number;
  held: number;
  /** Terminated accounts with no termination time: never due, reported (not part of `due`). */
  withoutTerminationTime?: number;
}

export interface PolicyResult {
  name: string;
  category: string;
  status: RunStatus;
  reason?: string;
  error?: string | null;
  evaluatedAt: string;
  cutoff: string | null;
  subjects?: SubjectCounts;
  targets: TargetResult[];
}

export interface RunDocument {
  runId: string;
  dryRun: boolean;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  policies: PolicyResult[];
}
