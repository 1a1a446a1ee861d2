import type { Redis } from 'ioredis';
import type { Reply, RedisCommand } from './node-commands.js';

/** Keys of one master, handled together in one pipeline. */
export interface KeyBatch {
  node: Redis;
  keys: Buffer[];
}

export interface PurgeOutcome {
  /** Records removed, summed from the commands' replies (a key seen twice adds 0 the second time). */
  deleted: number;
  /** Keys whose command hit its member limit: they may still hold due records. */
  more: Buffer[];
  /** A command of the batch failed: `deleted` still counts what the others removed. */
  error?: Error;
}

/** What a part of the target holds, for counts and reports. */
export interface Survey {
  due: number;
  total: number;
  unusable: number;
  /** The oldest usable time seen, in epoch ms. */
  oldestMs: number | null;
  /** Whole-key targets, when asked (see TtlSurvey). */
  ttl?: TtlSurvey;
}

/**
 * Keys with and without a TTL. `expiring`: keys not yet due whose TTL ends at or before their
 * deadline (their time + the promise), so Redis removes them in time without the worker. A due
 * key's deadline has already passed, so a TTL can only end after it: due keys are always deleted.
 */
export interface TtlSurvey {
  withTtl: number;
  withoutTtl: number;
  expiring: number;
}

/** What the TTL part of a survey needs: the promise and the current time. */
export interface TtlQuestion {
  retainMs: number;
  nowMs: number;
}

/** Runs commands on a master in one pipeline (see `runOnNode`). */
export type NodeRunner = (node: Redis, commands: readonly RedisCommand[]) => Promise<Reply[]>;

/**
 * What a record is for one target type, and how its time is judged: members of sorted sets,
 * entries of streams, or whole keys timed by their name or a hash field.
 */
export interface RecordKind {
  /** SCAN TYPE filter, when only keys of one Redis type hold records. */
  readonly scanType?: string;
  /** Deletes the records of these keys with `time < cutoffMs`, each command bounded. */
  purge(batch: KeyBatch, cutoffMs: number): Promise<PurgeOutcome>;
  /** Counts the records of these keys; reads the oldest time only when asked, TTLs (whole keys) when given a question. */
  survey(batch: KeyBatch, cutoffMs: number, wantOldest: boolean, ttl?: TtlQuestion): Promise<Survey>;
}

export function emptySurvey(): Survey {
  return { due: 0, total: 0, unusable: 0, oldestMs: null };
}

export function addSurvey(into: Survey, part: Survey): void {
  into.due += part.due;
  into.total += part.total;
  into.unusable += part.unusable;
  if (part.oldestMs !== null && (into.oldestMs === null || part.oldestMs < into.oldestMs)) into.oldestMs = part.oldestMs;
  if (part.ttl) {
    const ttl = (into.ttl ??= { withTtl: 0, withoutTtl: 0, expiring: 0 });
    ttl.withTtl += part.ttl.withTtl;
    ttl.withoutTtl += part.ttl.withoutTtl;
    ttl.expiring += part.ttl.expiring;
  }
}

/** Adds one key's PTTL reply (ms left, -1 none, -2 gone) to a TTL survey. */
export function tallyTtl(into: TtlSurvey, pttl: number, timeMs: number | null, cutoffMs: number, question: TtlQuestion): void {
  if (pttl === -2) return;
  if (pttl < 0) {
    into.withoutTtl += 1;
    return;
  }
  into.withTtl += 1;
  if (timeMs !== null && timeMs >= cutoffMs && question.nowMs + pttl <= timeMs + question.retainMs) into.expiring += 1;
}

/**
 * Adds up what each command removed (`removedBy` reads one reply, and may throw for a failed
 * command). A failure does not hide what the other commands deleted: the first error is returned
 * next to the total, so the walk counts first and throws after.
 */
export function tallyRemoved(
  replies: readonly Reply[],
  removedBy: (reply: Reply, index: number) => number,
): { deleted: number; error?: Error } {
  let deleted = 0;
  let error: Error | undefined;
  replies.forEach((reply, i) => {
    try {
      deleted += removedBy(reply, i);
    } catch (err) {
      error ??= err instanceof Error ? err : new Error(String(err));
    }
  });
  return error ? { deleted, error } : { deleted };
}

/** A key that changed type since SCAN listed it is no longer a record of this target. */
export function isWrongType(reply: Reply): boolean {
  return reply instanceof Error && reply.message.startsWith('WRONGTYPE');
}
