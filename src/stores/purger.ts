import type { PartitionChange, RetentionFinding, StoreName, TargetRef } from '../types.js';
import type { TargetConfig } from '../config/schema.js';

/**
 * The contract between the engine and a store: only what the engine uses. Each store folder
 * (`mysql/`, `mongo/`, `redis/`) implements it; drivers never leak past it.
 */

export interface DueCount {
  /** Records with a usable time strictly before the cutoff. */
  due: number;
  /** All records of the target (for the `maxDeleteFraction` guard). */
  total: number;
  /** Records whose time is missing or not a time: never deleted by an age policy. */
  unusableTime: number;
  /** Whole partitions a run would remove (part of `due`). */
  partitions?: PartitionChange[];
}

export interface BatchResult {
  /** Records removed by this batch. */
  deleted: number;
  /** True when the walk has nothing due left: the engine stops calling `nextBatch`. */
  done: boolean;
  /** Partition operations this batch made (its rows are part of `deleted`). */
  partitions?: PartitionChange[];
}

/** One pass over a target's due records. Each `nextBatch` is one short, self-contained deletion. */
export interface PurgeWalk {
  nextBatch(): Promise<BatchResult>;
}

export interface AgeInspection {
  /** Time of the oldest record with a usable time, or null when there is none. */
  oldest: Date | null;
  /** Records whose time is before `overdueBefore`. */
  overdue: number;
  unusableTime: number;
  /**
   * Whole-key Redis targets: keys with and without a TTL, and those not yet due whose TTL ends
   * at or before their deadline (time + the promise): Redis expires them in time by itself.
   */
  ttl?: { withTtl: number; withoutTtl: number; expiring: number };
}

/** Purges one target of an age policy: records with `time < cutoff`. */
export interface AgePurger extends TargetRef {
  /** Checks the target against the live store (exists, columns, types, index); throws RefusalError. */
  check(): Promise<void>;
  /** Counts due, total and unusable records (dry runs, the blast-radius guard). */
  count(cutoff: Date): Promise<DueCount>;
  /**
   * Counts the records whose time is unusable, where that is cheap (through the time index), so a
   * real run can report it as a dry run does. Stores that would have to scan leave it out.
   */
  countUnusable?(): Promise<number>;
  /** Starts a walk deleting, batch by batch, the records with `time < cutoff`, re-checked at deletion. */
  openWalk(cutoff: Date): PurgeWalk;
  /** For `retention report`: the oldest remaining record and how many are overdue. */
  inspect(overdueBefore: Date): Promise<AgeInspection>;
  /**
   * The store's own expiry that enforces the promise (`PurgerContext.retainMs`) or a shorter one,
   * described (`TTL index at_1 (expireAfterSeconds 604800)`); null when there is none. Stores
   * without native expiry leave it out. The worker still sweeps what that expiry has not reached.
   */
  nativeExpiry?(): Promise<string | null>;
  /**
   * Only stores that delete by themselves on a setting (Kafka's `retention.ms`): judges each
   * resource's setting against the promise (`promiseMs`) and, when the target enforces it and
   * `apply` is true, changes it to the promise. Called after `check()`, before any deletion.
   */
  reviewRetention?(promiseMs: number, options: { apply: boolean }): Promise<RetentionFinding[]>;
}

/** Purges one target of a subject policy: every record belonging to given subjects. */
export interface SubjectPurger extends TargetRef {
  check(): Promise<void>;
  /** Counts the records of each subject (dry runs). Subject ids are exact decimal strings. */
  countSubjects(subjectIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Deletes every record of these subjects, in bounded batches; returns the count deleted per
   * subject (0 for a subject with nothing left: deleting what is already gone is not an error).
   */
  purgeSubjects(subjectIds: readonly string[]): Promise<Map<string, number>>;
}

export interface PurgerContext {
  /** The configured time zone (for times written in key names). */
  zone: string;
  /** The engine's clock (pre-creating future MySQL partitions); the system clock when absent. */
  now?: () => Date;
  /** The policy's promise in ms (a month counted as 28 days), for native expiry (MongoDB TTL). */
  retainMs?: number;
}

/** The shortest promise among the enabled policies with a target in a store (a copy kept longer outlives it). */
export interface ShortestRetention {
  ms: number;
  policy: string;
  /** As configured: `2 days`, `2 months`. */
  label: string;
}

/**
 * A copy of a store's data that the worker cannot delete (binary logs, snapshots, an oplog), or
 * the settings that say whether one exists could not be read: `retention report` lists them.
 */
export interface DerivedCopy {
  code: 'mysql-binlog' | 'mysql-general-log' | 'mysql-slow-log' | 'redis-rdb' | 'redis-aof' | 'mongo-oplog' | 'not-readable';
  store: StoreName;
  message: string;
}

/** One store of this deployment: the factory of its purgers and its connection's lifecycle. */
export interface Store {
  readonly name: StoreName;
  agePurger(target: TargetConfig, context: PurgerContext): AgePurger;
  subjectPurger(target: TargetConfig, context: PurgerContext): SubjectPurger;
  /** Throws StoreError when the store cannot be reached. */
  ping(): Promise<void>;
  /** The copies of its data this store keeps beyond the worker's reach, judged against the shortest promise (`report`). */
  derivedCopies?(shortest: ShortestRetention | null): Promise<DerivedCopy[]>;
  close(): Promise<void>;
}

/** A policy's single-flight lock; held for the whole run. */
export interface PolicyLock {
  release(): Promise<void>;
  /**
   * Whether this process still holds the lock: its connection alive and the server naming that
   * connection as the holder. A lock held by another process on our behalf (a queue run's
   * coordinator) has no such check.
   */
  held?(): Promise<boolean>;
}

/** Run coordination the engine needs from MySQL (the store that always exists). */
export interface Coordination {
  /** The MySQL server's clock, to refuse runs when ours is skewed. */
  serverTime(): Promise<Date>;
  /** Takes the policy's named lock without waiting; null when another run holds it. */
  tryLockPolicy(policy: string): Promise<PolicyLock | null>;
  /** Whether some session currently holds the policy's lock (a run is `running`, not `abandoned`). */
  isPolicyLocked(policy: string): Promise<boolean>;
}
