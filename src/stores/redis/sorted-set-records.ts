import { TRIM_SORTED_SET } from './lua-scripts.js';
import { arrayReply, bulkReply, integerReply, scriptCommand, type RedisCommand } from './node-commands.js';
import { emptySurvey, isWrongType, tallyRemoved, type NodeRunner, type RecordKind } from './record-kind.js';

/**
 * Sorted sets whose members are the records and whose scores are their times in epoch ms. Due:
 * score < cutoff (`ZREMRANGEBYSCORE key -inf (cutoff`), so a member scored exactly at the cutoff
 * stays. Each command removes at most `batchSize` members.
 */
export function sortedSetRecords(run: NodeRunner, batchSize: number): RecordKind {
  return {
    scanType: 'zset',

    async purge({ node, keys }, cutoffMs) {
      const replies = await run(
        node,
        keys.map((key) => scriptCommand(TRIM_SORTED_SET, key, [`(${cutoffMs}`, batchSize])),
      );
      const more: Buffer[] = [];
      const tally = tallyRemoved(replies, (reply, i) => {
        if (isWrongType(reply)) return 0;
        const [removed = 0, hasMore] = arrayReply(reply).map(integerReply);
        if (hasMore) more.push(keys[i]!);
        return removed;
      });
      return { ...tally, more };
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
