import type { Redis } from 'ioredis';
import { UNLINK_IF_FIELD } from './lua-scripts.js';
import { bulkReply, integerReply, scriptCommand, unlinkCommands, type RedisCommand, type Reply } from './node-commands.js';
import {
  emptySurvey,
  isWrongType,
  tallyRemoved,
  tallyTtl,
  type NodeRunner,
  type RecordKind,
  type Survey,
  type TtlQuestion,
} from './record-kind.js';
import type { TimeReader } from './record-time.js';
import type { SortableKeyTime } from './sortable-key-time.js';

/**
 * Whole keys timed by their own name (`im:mon:…:202405011230`). Due keys go with UNLINK (see
 * `unlinkCommands`); the time is in the name, so it cannot change between reading and deleting.
 * A name without a parsable time is kept.
 */
export function keyNameRecords(run: NodeRunner, multiKeyUnlink: boolean, timeOf: TimeReader, sortable: SortableKeyTime | null): RecordKind {
  // The cutoff's text for the sortable shape, for the last cutoff seen (one per walk).
  let cutoffFor: { ms: number; text: Buffer | null } | null = null;
  const cutoffText = (cutoffMs: number): Buffer | null => {
    if (cutoffFor?.ms !== cutoffMs) {
      const text = sortable?.textAtOrAfter(cutoffMs) ?? null;
      cutoffFor = { ms: cutoffMs, text: text === null ? null : Buffer.from(text, 'latin1') };
    }
    return cutoffFor.text;
  };
  /**
   * Due, to the millisecond. A sortable key time is judged on the name's bytes (as the Lua script
   * does: no string, no regular expression, no date per key, a third of the client's time on a
   * 1 M-key purge); luxon reads the rest, and the doubtful digits (`…2400`).
   */
  const isDue = (key: Buffer, cutoffMs: number): boolean => {
    const text = cutoffText(cutoffMs);
    if (sortable && text) {
      const verdict = sortable.judge(key, text);
      if (verdict !== 'doubtful') return verdict === 'due';
    }
    const ms = timeOf(key);
    return ms !== null && ms < cutoffMs;
  };
  return {
    async purge({ node, keys }, cutoffMs) {
      const due = keys.filter((key) => isDue(key, cutoffMs));
      const replies = await run(node, unlinkCommands(due, multiKeyUnlink));
      return { ...tallyRemoved(replies, integerReply), more: [] };
    },

    async survey({ node, keys }, cutoffMs, _wantOldest, ttl) {
      const survey = emptySurvey();
      const times = keys.map((key) => timeOf(key));
      for (const ms of times) tally(survey, ms, cutoffMs);
      if (ttl) {
        const replies = await run(
          node,
          keys.map((key): RedisCommand => ['PTTL', key]),
        );
        survey.ttl = ttlSurvey(replies, times, cutoffMs, ttl);
      }
      return survey;
    },
  };
}

/**
 * Whole hashes timed by one field (`epoch_ms`, `epoch_s` or ISO text). A key is unlinked only if
 * the field still holds the value judged due (compare-and-unlink script), so a hash rewritten in
 * between is kept. A missing or unparsable field, or a key that is not a hash, is kept.
 */
export function fieldTimeRecords(run: NodeRunner, field: string, timeOf: TimeReader): RecordKind {
  async function readTimes(
    node: Redis,
    keys: Buffer[],
    withTtl = false,
  ): Promise<Array<{ raw: Buffer | null; ms: number | null; pttl?: Reply }>> {
    // PTTL rides in the same pipeline as the HGETs, interleaved.
    const replies = await run(
      node,
      keys.flatMap((key): RedisCommand[] =>
        withTtl
          ? [
              ['HGET', key, field],
              ['PTTL', key],
            ]
          : [['HGET', key, field]],
      ),
    );
    const step = withTtl ? 2 : 1;
    return keys.map((_, i) => {
      const reply = replies[i * step];
      const pttl = withTtl ? { pttl: replies[i * step + 1] } : {};
      if (isWrongType(reply)) return { raw: null, ms: null, ...pttl };
      const raw = bulkReply(reply);
      return { raw, ms: raw === null ? null : timeOf(raw), ...pttl };
    });
  }

  return {
    async purge({ node, keys }, cutoffMs) {
      const times = await readTimes(node, keys);
      const commands: RedisCommand[] = [];
      times.forEach(({ raw, ms }, i) => {
        if (raw !== null && ms !== null && ms < cutoffMs) commands.push(scriptCommand(UNLINK_IF_FIELD, keys[i]!, [field, raw]));
      });
      const replies = await run(node, commands);
      return { ...tallyRemoved(replies, integerReply), more: [] };
    },

    async survey({ node, keys }, cutoffMs, _wantOldest, ttl) {
      const survey = emptySurvey();
      const read = await readTimes(node, keys, ttl !== undefined);
      for (const { ms } of read) tally(survey, ms, cutoffMs);
      if (ttl)
        survey.ttl = ttlSurvey(
          read.map((r) => r.pttl ?? null),
          read.map((r) => r.ms),
          cutoffMs,
          ttl,
        );
      return survey;
    },
  };
}

function ttlSurvey(
  replies: readonly (Reply | null)[],
  times: readonly (number | null)[],
  cutoffMs: number,
  question: TtlQuestion,
): Survey['ttl'] {
  const ttl = { withTtl: 0, withoutTtl: 0, expiring: 0 };
  replies.forEach((reply, i) => {
    if (reply === null || reply instanceof Error) return;
    tallyTtl(ttl, integerReply(reply), times[i] ?? null, cutoffMs, question);
  });
  return ttl;
}

function tally(survey: Survey, ms: number | null, cutoffMs: number): void {
  survey.total += 1;
  if (ms === null) {
    survey.unusable += 1;
    return;
  }
  if (ms < cutoffMs) survey.due += 1;
  if (survey.oldestMs === null || ms < survey.oldestMs) survey.oldestMs = ms;
}
