import type { Redis } from 'ioredis';
import { COUNT_STREAM_RANGE, TRIM_STREAM } from './lua-scripts.js';
import { arrayReply, bulkReply, integerReply, scriptCommand, type RedisCommand } from './node-commands.js';
import { emptySurvey, isWrongType, type NodeRunner, type RecordKind } from './record-kind.js';
import { trimKeys } from './trim-keys.js';

/** The largest sequence number of a stream ID: `<ms>-18446744073709551615` is the last ID of that ms. */
const MAX_SEQUENCE = '18446744073709551615';

/**
 * Streams whose entries are the records, timed by the millisecond part of their ID. Due: ms part
 * < cutoff, i.e. ID ≤ `<cutoff−1>-<max seq>`; an entry of the cutoff's own millisecond stays.
 * Each command removes (or counts) at most `batchSize` entries.
 */
export function streamRecords(run: NodeRunner, batchSize: number): RecordKind {
  return {
    scanType: 'stream',

    async purge(batch, cutoffMs) {
      // No entry ID is below 0-0.
      if (cutoffMs <= 0) return { deleted: 0, more: [] };
      return trimKeys(run, batch, TRIM_STREAM, [`${cutoffMs - 1}-${MAX_SEQUENCE}`, batchSize, `${cutoffMs}-0`]);
    },

    async survey({ node, keys }, cutoffMs, wantOldest) {
      const commands: RedisCommand[] = keys.flatMap((key): RedisCommand[] => [
        ['XLEN', key],
        ...(wantOldest ? [['XRANGE', key, '-', '+', 'COUNT', 1] as RedisCommand] : []),
      ]);
      const replies = await run(node, commands);
      const survey = emptySurvey();
      const live: Buffer[] = [];
      const perKey = wantOldest ? 2 : 1;
      keys.forEach((key, k) => {
        const i = k * perKey;
        if (isWrongType(replies[i])) return;
        survey.total += integerReply(replies[i]);
        live.push(key);
        if (wantOldest) {
          const first = arrayReply(replies[i + 1])[0];
          const id = first === undefined ? null : bulkReply(arrayReply(first)[0]);
          const ms = id ? Number(id.toString().split('-')[0]) : NaN;
          if (Number.isFinite(ms) && (survey.oldestMs === null || ms < survey.oldestMs)) survey.oldestMs = ms;
        }
      });
      if (cutoffMs > 0) survey.due = await countDue(run, node, live, `${cutoffMs - 1}-${MAX_SEQUENCE}`, batchSize);
      return survey;
    },
  };
}

/**
 * Counts the entries up to `end` of each stream, `chunk` entries per command: the streams still
 * counting advance together, one pipeline per round, from just after the last ID counted.
 */
async function countDue(run: NodeRunner, node: Redis, keys: Buffer[], end: string, chunk: number): Promise<number> {
  let due = 0;
  let active = keys.map((key) => ({ key, start: '-' }));
  while (active.length > 0) {
    const replies = await run(
      node,
      active.map(({ key, start }) => scriptCommand(COUNT_STREAM_RANGE, key, [start, end, chunk])),
    );
    const next: typeof active = [];
    replies.forEach((reply, i) => {
      if (isWrongType(reply)) return;
      const [count, lastId] = arrayReply(reply);
      const n = integerReply(count);
      due += n;
      if (n === chunk) next.push({ key: active[i]!.key, start: `(${bulkReply(lastId)?.toString() ?? ''}` });
    });
    active = next;
  }
  return due;
}
