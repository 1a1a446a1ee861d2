import type { BatchResult, PurgeWalk } from '../purger.js';
import type { KeyScanner, ScanPage } from './key-scanner.js';
import type { KeyBatch, PurgeOutcome, RecordKind } from './record-kind.js';

/**
 * At most this many SCAN calls in one batch (a sparse pattern over a big keyspace returns nearly
 * empty pages): the batch then returns what it has, possibly `deleted: 0, done: false`, so the
 * engine can check its time budget between batches. @defaultValue 32
 */
const MAX_SCANS_PER_BATCH = 32;

/**
 * Keys handed to one `RecordKind.purge` call: one pipeline, one round trip. A batch of
 * `batchSize` keys goes out as several such pipelines, two in flight at a time. @defaultValue 1000
 */
const KEYS_PER_PIPELINE = 1000;

/**
 * Pipelines in flight at once within a batch. With two, the client reads the next SCAN page and
 * prepares its commands while the server runs the previous page's; with one, client and server
 * would take turns (measured: a third of the client's time was idle). @defaultValue 2
 */
const PIPELINES_IN_FLIGHT = 2;

/**
 * A walk over a target: each batch takes up to `batchSize` keys from SCAN pages, deletes their due
 * records (one pipeline per page slice, on the master the page came from) and puts back the keys
 * whose bounded command left due records behind. Memory: the SCAN pages in hand, a few thousand
 * keys at most.
 *
 * Two things overlap so that neither side waits on the other: the next SCAN page is requested
 * while the current deletions run (one SCAN in flight, so the cursor advances in order), and up to
 * PIPELINES_IN_FLIGHT deletion pipelines run at once. Every command is idempotent (a key unlinked
 * twice replies 0), so a slice whose pipeline failed is simply retried by the next batch.
 */
export function openScanWalk(scanner: KeyScanner, kind: RecordKind, cutoffMs: number, batchSize: number): PurgeWalk {
  // Keys scanned and not yet handed to a pipeline, as slices of pages (never one object per key).
  const waiting: KeyBatch[] = [];
  // Keys whose bounded command left due records: taken up again by the next batch, not this one,
  // so one batch never runs more than one bounded command per key.
  let carried: KeyBatch[] = [];
  // Deleted by a batch that then failed: reported by the next batch that succeeds, so a retried
  // batch (the engine retries transient failures) neither loses nor double-counts records.
  let unreported = 0;
  let prefetched: Promise<ScanPage | null> | null = null;
  const prefetch = (): void => {
    if (prefetched !== null || scanner.exhausted) return;
    prefetched = scanner.next();
    // A failed prefetch is thrown by the batch that awaits it (and retried from the same cursor).
    prefetched.catch(() => undefined);
  };
  const nextPage = (): Promise<ScanPage | null> => {
    const page = prefetched ?? scanner.next();
    prefetched = null;
    return page;
  };
  const moreToScan = (): boolean => prefetched !== null || !scanner.exhausted;

  /** Up to `room` keys from the front of `waiting`, as one slice of one master. */
  function takeSlice(room: number): KeyBatch {
    const first = waiting[0]!;
    if (first.keys.length <= room) return waiting.shift()!;
    const slice = { node: first.node, keys: first.keys.slice(0, room) };
    first.keys = first.keys.slice(room);
    return slice;
  }

  return {
    async nextBatch(): Promise<BatchResult> {
      waiting.unshift(...carried);
      carried = [];
      const inFlight: Array<{ slice: KeyBatch; outcome: Promise<PurgeOutcome | Error> }> = [];
      const failed: KeyBatch[] = [];
      let failure: unknown = null;
      const settleOldest = async (): Promise<void> => {
        const { slice, outcome } = inFlight.shift()!;
        const result = await outcome;
        if (result instanceof Error) {
          failure ??= result;
          failed.push(slice);
          return;
        }
        unreported += result.deleted;
        if (result.more.length > 0) carried.push({ node: slice.node, keys: result.more });
        if (result.error) {
          failure ??= result.error;
          failed.push(slice);
        }
      };

      let taken = 0;
      let scans = 0;
      try {
        while (taken < batchSize && failure === null) {
          if (waiting.length === 0) {
            if (!moreToScan() || scans >= MAX_SCANS_PER_BATCH) break;
            scans += 1;
            const page = await nextPage();
            if (page && page.keys.length > 0) waiting.push({ node: page.node, keys: page.keys });
            continue;
          }
          const slice = takeSlice(Math.min(batchSize - taken, KEYS_PER_PIPELINE));
          taken += slice.keys.length;
          if (waiting.length === 0) prefetch();
          inFlight.push({
            slice,
            outcome: kind.purge(slice, cutoffMs).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
          });
          if (inFlight.length >= PIPELINES_IN_FLIGHT) await settleOldest();
        }
      } catch (err) {
        failure ??= err;
      }
      while (inFlight.length > 0) await settleOldest();
      if (failure !== null) {
        // Keys of a failed slice go back to the front: every command is idempotent.
        waiting.unshift(...failed);
        throw failure;
      }
      if (waiting.length === 0) prefetch();
      const deleted = unreported;
      unreported = 0;
      return { deleted, done: waiting.length === 0 && carried.length === 0 && !moreToScan() };
    },
  };
}
