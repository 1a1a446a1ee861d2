import type { Redis } from 'ioredis';
import { UNLINK_IF_FIELD } from './lua-scripts.js';
import { bulkReply, integerReply, scriptCommand, unlinkCommands, type RedisCommand } from './node-commands.js';
import { emptySurvey, isWrongType, tallyRemoved, type NodeRunner, type RecordKind, type Survey } from './record-kind.js';
import type { TimeReader } from './record-time.js';

/**
 * Whole keys timed by their own name (`im:mon:…:202405011230`). Due keys go with UNLINK (see
 * `unlinkCommands`); the time is in the name, so it cannot change between reading and deleting.
 * A name without a parsable time is kept.
 */
export function keyNameRecords(run: NodeRunner, multiKeyUnlink: boolean, timeOf: TimeReader): RecordKind {
  return {
    async purge({ node, keys }, cutoffMs) {
      const due = keys.filter((key) => {
        const ms = timeOf(key);
        return ms !== null && ms < cutoffMs;
      });
      const replies = await run(node, unlinkCommands(due, multiKeyUnlink));
      return { ...tallyRemoved(replies, integerReply), more: [] };
    },

    async survey({ keys }, cutoffMs) {
      const survey = emptySurvey();
      for (const key of keys) tally(survey, timeOf(key), cutoffMs);
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
  async function readTimes(node: Redis, keys: Buffer[]): Promise<Array<{ raw: Buffer | null; ms: number | null }>> {
    const replies = await run(
      node,
      keys.map((key): RedisCommand => ['HGET', key, field]),
    );
    return replies.map((reply) => {
      if (isWrongType(reply)) return { raw: null, ms: null };
      const raw = bulkReply(reply);
      return { raw, ms: raw === null ? null : timeOf(raw) };
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

    async survey({ node, keys }, cutoffMs) {
      const survey = emptySurvey();
      for (const { ms } of await readTimes(node, keys)) tally(survey, ms, cutoffMs);
      return survey;
    },
  };
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
