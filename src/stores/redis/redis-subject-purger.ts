import type { Redis } from 'ioredis';
import type { RedisTargetConfig } from '../../config/schema.js';
import { RefusalError } from '../../errors/index.js';
import type { SubjectPurger } from '../purger.js';
import { forEachPage, KeyScanner } from './key-scanner.js';
import { integerReply, unlinkCommands, type RedisCommand } from './node-commands.js';
import type { RedisPurgerDeps } from './redis-age-purger.js';
import { assertSubjectIds, createSubjectKeyMatcher } from './subject-key-matcher.js';
import { checkRedisTarget } from './target-checks.js';

/** See COUNT_DEDUPE_KEYS: counts drop keys SCAN repeats, remembering this many. @defaultValue 100000 */
const COUNT_DEDUPE_KEYS = 100_000;

type Counts = Map<string, number>;

/**
 * The subject purger of a `match` with `<subject>` (`im:cfg:<subject>`, `im:cfg:<subject>:*`).
 * Without another wildcard each subject's key is known and unlinked directly; otherwise one SCAN
 * pass per call (per batch of subjects) with `<subject>` as `*`, each key attributed to its
 * subject in memory. Counts per subject come from UNLINK replies, so they are exact.
 */
export function createRedisSubjectPurger(target: RedisTargetConfig, deps: RedisPurgerDeps): SubjectPurger {
  const matcher = createSubjectKeyMatcher(target.match);
  const excluded = Buffer.from(`${deps.queuePrefix}:`, 'utf8');
  const isQueueKey = (key: Buffer) => key.length >= excluded.length && key.subarray(0, excluded.length).equals(excluded);
  // Deleted by a call that then failed: added to the next call for the same subjects, so a
  // retried purge (where those keys now count 0) still reports every key it removed.
  const carried: Counts = new Map();

  /** Runs `command` (EXISTS or UNLINK) on each subject's own key (exact mode), through the routed client. */
  async function perExactKey(counts: Counts, command: 'EXISTS' | 'UNLINK'): Promise<void> {
    if (matcher.mode !== 'exact') throw new Error('perExactKey needs an exact pattern');
    const { keyOf } = matcher;
    // Issued together, they share each connection's socket: pipelined without a wait per key.
    const settled = await Promise.allSettled(
      [...counts.keys()].map(async (id) => {
        const key = keyOf(id);
        if (!isQueueKey(key)) add(counts, id, integerReply(await deps.keyspace.route.callBuffer(command, key)));
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** One SCAN pass attributing keys to the wanted subjects; `onPage` gets each page's matches. */
  async function scanSubjects(
    counts: Counts,
    rememberKeys: number,
    onPage: (matches: Array<{ id: string; key: Buffer }>, node: Redis) => Promise<void>,
  ): Promise<void> {
    if (matcher.mode !== 'scan') throw new Error('scanSubjects needs a scan pattern');
    const wanted = new Set(counts.keys());
    const scanner = new KeyScanner(deps.keyspace, {
      match: matcher.scanPattern,
      count: target.scanCount,
      excludePrefix: `${deps.queuePrefix}:`,
      rememberKeys,
    });
    await forEachPage(scanner, async ({ node, keys }) => {
      const matches: Array<{ id: string; key: Buffer }> = [];
      for (const key of keys) {
        const id = matcher.subjectOf(key, wanted);
        if (id !== null) matches.push({ id, key });
      }
      if (matches.length > 0) await onPage(matches, node);
    });
  }

  /** Unlinks matched keys, at most `batchSize` per pipeline, grouped so each reply belongs to one subject. */
  async function unlinkMatches(counts: Counts, matches: Array<{ id: string; key: Buffer }>, node: Redis): Promise<void> {
    for (let i = 0; i < matches.length; i += target.batchSize) {
      const bySubject = new Map<string, Buffer[]>();
      for (const { id, key } of matches.slice(i, i + target.batchSize)) {
        const keys = bySubject.get(id);
        if (keys) keys.push(key);
        else bySubject.set(id, [key]);
      }
      const owners: string[] = [];
      const commands: RedisCommand[] = [];
      for (const [id, keys] of bySubject) {
        for (const command of unlinkCommands(keys, deps.multiKeyUnlink)) {
          commands.push(command);
          owners.push(id);
        }
      }
      const replies = await deps.run(node, commands);
      // Every reply is counted before a failed one is thrown.
      let failure: unknown = null;
      replies.forEach((reply, j) => {
        try {
          add(counts, owners[j]!, integerReply(reply));
        } catch (err) {
          failure ??= err;
        }
      });
      if (failure !== null) throw failure;
    }
  }

  function zeroes(ids: readonly string[]): Counts {
    assertSubjectIds(ids);
    return new Map(ids.map((id) => [id, 0]));
  }

  return {
    store: 'redis',
    target: target.match,

    async check() {
      if (!target.match.includes('<subject>')) {
        throw new RefusalError('no-subject', `"${target.match}" has no <subject> to put the subject id in`);
      }
      if (target.type !== 'key') throw new RefusalError('subject-type', `a subject target must be of type key, not ${target.type}`);
      await checkRedisTarget(target, deps.keyspace, deps.queuePrefix);
    },

    async countSubjects(subjectIds) {
      const counts = zeroes(subjectIds);
      if (counts.size === 0) return counts;
      if (matcher.mode === 'exact') await perExactKey(counts, 'EXISTS');
      else await scanSubjects(counts, COUNT_DEDUPE_KEYS, async (matches) => matches.forEach(({ id }) => add(counts, id, 1)));
      return counts;
    },

    async purgeSubjects(subjectIds) {
      const counts = zeroes(subjectIds);
      if (counts.size === 0) return counts;
      try {
        if (matcher.mode === 'exact') await perExactKey(counts, 'UNLINK');
        else await scanSubjects(counts, 0, (matches, node) => unlinkMatches(counts, matches, node));
      } catch (err) {
        for (const [id, n] of counts) if (n > 0) add(carried, id, n);
        throw err;
      }
      for (const id of counts.keys()) {
        add(counts, id, carried.get(id) ?? 0);
        carried.delete(id);
      }
      return counts;
    },
  };
}

function add(counts: Counts, id: string, n: number): void {
  counts.set(id, (counts.get(id) ?? 0) + n);
}
