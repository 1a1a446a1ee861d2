import type { Redis } from 'ioredis';
import type { BatchResult, PurgeWalk } from '../purger.js';
import type { KeyScanner, ScanPage } from './key-scanner.js';
import type { RecordKind } from './record-kind.js';

/**
 * At most this many SCAN calls in one batch while pages come back empty (a sparse pattern over a
 * big keyspace): the batch then returns `deleted: 0, done: false` so the engine can check its
 * time budget between batches. @defaultValue 32
 */
const MAX_EMPTY_SCANS_PER_BATCH = 32;

/**
 * A walk over a target: each batch takes up to `batchSize` keys (SCAN-ing one more page when none
 * are waiting), deletes their due records in one pipeline per master, and puts back the keys whose
 * bounded command left due records behind. Memory: one SCAN page of keys at most.
 */
export function openScanWalk(scanner: KeyScanner, kind: RecordKind, cutoffMs: number, batchSize: number): PurgeWalk {
  let waiting: Array<{ node: Redis; key: Buffer }> = [];
  // Deleted by a batch that then failed: reported by the next batch that succeeds, so a retried
  // batch (the engine retries transient failures) neither loses nor double-counts records.
  let unreported = 0;
  // The next SCAN page, requested while this batch's deletions run: the server answers the SCAN
  // right after the UNLINKs instead of idling a round trip (and the client's parsing) in between.
  // Only ever one in flight, so the scanner's cursor advances in order.
  let prefetched: Promise<ScanPage | null> | null = null;
  const nextPage = (): Promise<ScanPage | null> => {
    const page = prefetched ?? scanner.next();
    prefetched = null;
    return page;
  };

  return {
    async nextBatch(): Promise<BatchResult> {
      for (let scans = 0; waiting.length === 0 && (prefetched || !scanner.exhausted) && scans < MAX_EMPTY_SCANS_PER_BATCH; scans += 1) {
        const page = await nextPage();
        if (page) waiting = page.keys.map((key) => ({ node: page.node, key }));
      }
      const taken = waiting.slice(0, batchSize);
      waiting = waiting.slice(taken.length);
      if (waiting.length === 0 && !scanner.exhausted && prefetched === null) {
        prefetched = scanner.next();
        // A failed prefetch is thrown by the batch that awaits it (and retried from the same cursor).
        prefetched.catch(() => undefined);
      }
      // Keys of a failed group stay waiting: every command is idempotent (what is gone counts 0).
      const retry: typeof waiting = [];
      let failure: unknown = null;
      for (const [node, keys] of groupByNode(taken)) {
        if (failure === null) {
          try {
            const outcome = await kind.purge({ node, keys }, cutoffMs);
            unreported += outcome.deleted;
            if (outcome.error) failure = outcome.error;
            else for (const key of outcome.more) waiting.push({ node, key });
          } catch (err) {
            failure = err;
          }
        }
        if (failure !== null) for (const key of keys) retry.push({ node, key });
      }
      if (failure !== null) {
        waiting = retry.concat(waiting);
        throw failure;
      }
      const deleted = unreported;
      unreported = 0;
      return { deleted, done: scanner.exhausted && waiting.length === 0 && prefetched === null };
    },
  };
}

function groupByNode(entries: ReadonlyArray<{ node: Redis; key: Buffer }>): Map<Redis, Buffer[]> {
  const groups = new Map<Redis, Buffer[]>();
  for (const { node, key } of entries) {
    const keys = groups.get(node);
    if (keys) keys.push(key);
    else groups.set(node, [key]);
  }
  return groups;
}
