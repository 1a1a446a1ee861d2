import type { RedisTargetConfig } from '../../config/schema.js';
import { RefusalError } from '../../errors/index.js';
import type { AgeInspection, AgePurger, DueCount, PurgeWalk } from '../purger.js';
import { forEachPage, KeyScanner, prefixToExclude } from './key-scanner.js';
import { fieldTimeRecords, keyNameRecords } from './key-records.js';
import { addSurvey, emptySurvey, type NodeRunner, type RecordKind, type Survey, type TtlQuestion } from './record-kind.js';
import { fieldTime, keyNameTime } from './record-time.js';
import type { RedisKeyspace } from './redis-keyspace.js';
import { openScanWalk } from './scan-walk.js';
import { openInPlaceWalk } from './in-place-walk.js';
import { openServerJudgedWalk } from './server-judged-walk.js';
import { sortableKeyTime } from './sortable-key-time.js';
import { sortedSetRecords } from './sorted-set-records.js';
import { streamRecords } from './stream-records.js';
import { checkRedisTarget } from './target-checks.js';

export interface RedisPurgerDeps {
  keyspace: RedisKeyspace;
  run: NodeRunner;
  /** Whether UNLINK may take several keys of a node at once (a single server, not a cluster). */
  multiKeyUnlink: boolean;
  /** The job queue's key prefix: `<queuePrefix>:…` keys are never touched. */
  queuePrefix: string;
  /** The configured time zone, for times written without an offset. */
  zone: string;
  /** The policy's promise in ms: the report's TTL share needs it. */
  retainMs?: number;
  now?: () => Date;
}

/** A PurgeWalk that also tells who judges the keys' times (for tests and logs). */
export interface RedisPurgeWalk extends PurgeWalk {
  /** `redis`: a Lua script beside SCAN (sortable key names); `worker`: the worker reads every key. */
  readonly judgedBy: 'redis' | 'worker';
}

/**
 * Counts remember this many keys to drop the ones SCAN returns twice (a few MB at most); past
 * it, a key SCAN repeats while the keyspace is being resized may be counted twice. @defaultValue 100000
 */
const COUNT_DEDUPE_KEYS = 100_000;

/**
 * The age purger of one Redis target: sorted-set members by score, stream entries by ID, or whole
 * keys by the time in their name or in a hash field; a record is due when `time < cutoff`, to the ms.
 */
export function createRedisAgePurger(
  target: RedisTargetConfig,
  deps: RedisPurgerDeps,
): AgePurger & { openWalk(cutoff: Date): RedisPurgeWalk } {
  const queueKeys = `${deps.queuePrefix}:`;
  let kind: RecordKind | null = null;
  // Built on first use, so a bad `fromKey` surfaces as a refusal from check(), not a throw here.
  const recordKind = (): RecordKind => (kind ??= createRecordKind(target, deps));

  const scanner = (rememberKeys: number) =>
    new KeyScanner(deps.keyspace, {
      match: target.match,
      count: target.scanCount,
      type: recordKind().scanType,
      excludePrefix: queueKeys,
      rememberKeys,
    });

  async function survey(cutoff: Date, wantOldest: boolean, ttl?: TtlQuestion): Promise<Survey> {
    const cutoffMs = millis(cutoff);
    const total = emptySurvey();
    await forEachPage(scanner(COUNT_DEDUPE_KEYS), async ({ node, keys }) => {
      for (let i = 0; i < keys.length; i += target.batchSize) {
        addSurvey(total, await recordKind().survey({ node, keys: keys.slice(i, i + target.batchSize) }, cutoffMs, wantOldest, ttl));
      }
    });
    return total;
  }

  /**
   * The sortable key time and the cutoff's text, when a single server's keys can be judged on
   * their bytes: by Redis in a script (`judgeOnServer`), or by the worker where they lie in each
   * SCAN reply (the in-place walk).
   */
  function sortableJudgement(cutoffMs: number) {
    if (!deps.multiKeyUnlink || target.type !== 'key' || !target.time || !('fromKey' in target.time)) return null;
    const time = sortableKeyTime(target.time.fromKey, target.time.format, deps.zone);
    const cutoffText = time?.textAtOrAfter(cutoffMs);
    return time && cutoffText ? { time, cutoffText } : null;
  }

  return {
    store: 'redis',
    target: target.match,

    async check() {
      if (target.match.includes('<subject>'))
        throw new RefusalError('subject-pattern', `"${target.match}" has <subject>, which only a subject policy can fill`);
      if (target.type === 'key' && !target.time) {
        throw new RefusalError('no-time', `a key target of an age policy needs time.fromKey or time.fromField ("${target.match}")`);
      }
      if (target.type !== 'key' && target.time) {
        throw new RefusalError(
          'time-not-used',
          `a ${target.type} target is timed by its ${target.type === 'stream' ? 'entry IDs' : 'scores'}, not by time`,
        );
      }
      if (target.time && 'fromKey' in target.time) {
        try {
          new RegExp(target.time.fromKey);
        } catch {
          throw new RefusalError('invalid-regex', `time.fromKey of "${target.match}" is not a valid regular expression`);
        }
      }
      await checkRedisTarget(target, deps.keyspace, deps.queuePrefix);
    },

    async count(cutoff: Date): Promise<DueCount> {
      const { due, total, unusable } = await survey(cutoff, false);
      return { due, total, unusableTime: unusable };
    },

    openWalk(cutoff: Date): RedisPurgeWalk {
      const cutoffMs = millis(cutoff);
      const sortable = sortableJudgement(cutoffMs);
      if (sortable) {
        const shared = {
          keyspace: deps.keyspace,
          match: target.match,
          scanCount: target.scanCount,
          excludePrefix: prefixToExclude(target.match, queueKeys) ?? '',
          ...sortable,
          cutoffMs,
          fallback: recordKind(),
          batchSize: target.batchSize,
        };
        if (target.judgeOnServer) return { ...openServerJudgedWalk({ ...shared, run: deps.run }), judgedBy: 'redis' };
        return { ...openInPlaceWalk(shared), judgedBy: 'worker' };
      }
      return { ...openScanWalk(scanner(0), recordKind(), cutoffMs, target.batchSize), judgedBy: 'worker' };
    },

    async inspect(overdueBefore: Date): Promise<AgeInspection> {
      // Whole keys may carry their own TTL: the report gives the share, with one PTTL per key.
      const question =
        target.type === 'key' && deps.retainMs !== undefined
          ? { retainMs: deps.retainMs, nowMs: (deps.now?.() ?? new Date()).getTime() }
          : undefined;
      const { due, unusable, oldestMs, ttl } = await survey(overdueBefore, true, question);
      return { oldest: oldestMs === null ? null : new Date(oldestMs), overdue: due, unusableTime: unusable, ...(ttl ? { ttl } : {}) };
    },
  };
}

function createRecordKind(target: RedisTargetConfig, deps: RedisPurgerDeps): RecordKind {
  if (target.type === 'sorted-set') return sortedSetRecords(deps.run, target.batchSize);
  if (target.type === 'stream') return streamRecords(deps.run, target.batchSize);
  const time = target.time;
  if (!time) throw new RefusalError('no-time', `a key target of an age policy needs time.fromKey or time.fromField ("${target.match}")`);
  if ('fromKey' in time) {
    const sortable = sortableKeyTime(time.fromKey, time.format, deps.zone);
    return keyNameRecords(deps.run, deps.multiKeyUnlink, keyNameTime(time.fromKey, time.format, deps.zone), sortable);
  }
  return fieldTimeRecords(deps.run, time.fromField, fieldTime(time.format, deps.zone));
}

function millis(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('the cutoff is not a valid date');
  return ms;
}
