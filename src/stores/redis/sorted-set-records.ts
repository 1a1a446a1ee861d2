import { TRIM_SORTED_SET } from './lua-scripts.js';
import { arrayReply, bulkReply, integerReply, type RedisCommand } from './node-commands.js';
import { emptySurvey, isWrongType, type NodeRunner, type RecordKind } from './record-kind.js';
import { trimKeys } from './trim-keys.js';

/**
 * Sorted sets whose members are the records and whose scores are their times in epoch ms. Due:
 * score < cutoff (`ZREMRANGEBYSCORE key -inf (cutoff`), so a member scored exactly at the cutoff
 * stays. Each command removes at most `batchSize` members.
 */
export function sortedSetRecords(run: NodeRunner, batchSize: number): RecordKind {
  return {
    scanType: 'zset',

    purge(batch, cutoffMs) {
      return trimKeys(run, batch, TRIM_SORTED_SET, [`(${cutoffMs}`, batchSize]);
    },

    async survey({ node, keys }, cutoffMs, wantOldest) {
      const perKey = wantOldest ? 3 : 2;
      const commands: RedisCommand[] = keys.flatMap((key): RedisCommand[] => [
        ['ZCARD', key],
        ['ZCOUNT', key, '-inf', `(${cutoffMs}`],
        ...(wantOldest ? [['ZRANGE', key, 0, 0, 'WITHSCORES'] as RedisCommand] : []),
      ]);
      const replies = await run(node, commands);
      const survey = emptySurvey();
      for (let i = 0; i < replies.length; i += perKey) {
        if (isWrongType(replies[i])) continue;
        survey.total += integerReply(replies[i]);
        survey.due += integerReply(replies[i + 1]);
        if (wantOldest) {
          const score = arrayReply(replies[i + 2])[1];
          const ms = score === undefined ? NaN : Number(bulkReply(score)?.toString());
          if (Number.isFinite(ms) && (survey.oldestMs === null || ms < survey.oldestMs)) survey.oldestMs = ms;
        }
      }
      return survey;
    },
  };
}
