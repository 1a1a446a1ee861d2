import type { Redis } from 'ioredis';
import type { BatchResult, PurgeWalk } from '../purger.js';
import { UNLINK_DUE_BY_NAME } from './lua-scripts.js';
import { arrayReply, integerReply, type RedisCommand } from './node-commands.js';
import type { NodeRunner } from './record-kind.js';
import type { SortableWalkOptions } from './sortable-walk-options.js';

/** At most this many script calls (SCAN pages) in one batch: see `MAX_SCANS_PER_BATCH` of the scan walk. @defaultValue 32 */
const MAX_PAGES_PER_BATCH = 32;

export interface ServerJudgedWalkOptions extends SortableWalkOptions {
  run: NodeRunner;
}

/**
 * A walk in which Redis judges the keys itself: each step runs `UNLINK_DUE_BY_NAME` on one SCAN
 * page, so a key name crosses the network only when its text is not canonical (`…2400`) and the
 * client's reader must decide. Single servers only (the script unlinks keys of many slots).
 *
 * The server's work is the same as with the scan walk (SCAN, then UNLINK of the due keys), minus
 * sending every name out and every due name back: measured on 1 M keys, the client's CPU went from
 * about 4 s to a few tenths of a second and the purge from the client's pace to the server's
 * (docs/benchmarks.md, "Redis: judged on the server").
 *
 * Each step is one atomic script call, so a batch never leaves a page half done; a failed call
 * deleted nothing (or its whole page, with its reply lost: uncounted, see "A reply is lost" in
 * docs/audit.md), and the batch is retried from the same cursor.
 */
export function openServerJudgedWalk(options: ServerJudgedWalkOptions): PurgeWalk {
  let nodes: Redis[] | null = null;
  let nodeIndex = 0;
  let cursor = '0';
  // Deleted by calls of a batch that then failed: reported by the next batch that succeeds.
  let unreported = 0;

  /** One script call on the page at the cursor, unlinking at most `room` keys; returns the keys it read. */
  async function step(node: Redis, room: number): Promise<number> {
    const command: RedisCommand = [
      'EVALSHA',
      UNLINK_DUE_BY_NAME.sha,
      0,
      cursor,
      options.match,
      options.scanCount,
      options.cutoffText,
      options.time.prefix,
      options.excludePrefix,
      room,
    ];
    const [reply] = await options.run(node, [command]);
    const [nextCursor, unlinked, scanned, doubtful, complete] = arrayReply(reply) as [Buffer, number, number, Buffer[], number];
    unreported += integerReply(unlinked);
    if (doubtful.length > 0) {
      const outcome = await options.fallback.purge({ node, keys: doubtful }, options.cutoffMs);
      unreported += outcome.deleted;
      if (outcome.error) throw outcome.error;
    }
    // The cursor moves only once the page is fully judged (not `complete`: it held more due keys
    // than `room`, and the next call reads it again); a failure repeats the page.
    if (integerReply(complete) === 1) {
      cursor = nextCursor.toString();
      if (cursor === '0') nodeIndex += 1;
    }
    return integerReply(scanned);
  }

  return {
    async nextBatch(): Promise<BatchResult> {
      nodes ??= await options.keyspace.masters();
      const reportedBefore = unreported;
      // As in the scan walk, a batch reads at most about `batchSize` keys and deletes at most
      // `batchSize`: a page whose due keys would overflow the batch is finished by the next one.
      let read = 0;
      for (let calls = 0; calls < MAX_PAGES_PER_BATCH && nodeIndex < nodes.length && read < options.batchSize; calls += 1) {
        const room = options.batchSize - (unreported - reportedBefore);
        if (room <= 0) break;
        read += await step(nodes[nodeIndex]!, room);
      }
      const deleted = unreported;
      unreported = 0;
      return { deleted, done: nodeIndex >= nodes.length };
    },
  };
}
