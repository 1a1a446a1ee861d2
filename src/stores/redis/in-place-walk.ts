import type { Redis } from 'ioredis';
import type { BatchResult, PurgeWalk } from '../purger.js';
import { RespScanConnection, type ScanPageView } from './resp-scan-connection.js';
import type { SortableWalkOptions } from './sortable-walk-options.js';

/** At most this many SCAN pages in one batch: see `MAX_SCANS_PER_BATCH` of the scan walk. @defaultValue 32 */
const MAX_PAGES_PER_BATCH = 32;

/** SCAN pages read ahead of the one being judged (a few tens of KB each at `scanCount` 1000). @defaultValue 8 */
const READ_AHEAD = 8;

export interface InPlaceWalkOptions extends SortableWalkOptions {
  /** Opens the walk's own connection to the server `node` talks to. @defaultValue RespScanConnection.open(node.options) */
  connect?: (node: Redis) => Promise<RespScanConnection>;
}

/** Where the walk resumes after a failed batch: every command is idempotent, so it simply repeats. */
interface Resume {
  cursor: string;
  carried: Buffer[];
  finished: boolean;
}

/**
 * A walk of sortable key names (see `sortableKeyTime`) on a single server, judged by the worker
 * where they lie in each SCAN reply: on its own connection (RespScanConnection), each reply's
 * keys are judged as byte ranges of the reply (the same rule as the `UNLINK_DUE_BY_NAME` script)
 * and the due ones copied from there into one UNLINK. The next SCAN is sent as soon as a reply
 * arrives, before the reply is judged, so Redis always has the next page to serve while the worker
 * judges the last one: Redis does only what a purge must (SCAN, UNLINK) and the worker costs about
 * 0.4 µs per key (measured on 1 M keys: 1.2 s for the purge, against 3.3 s for the script and 3.0 s
 * for ioredis; docs/benchmarks.md, "Redis keys judged in place").
 *
 * A batch unlinks at most `batchSize` keys; the due keys of a page beyond that are copied and go
 * first in the next batch. Its UNLINK replies are all in before it returns, so its count is exact.
 * A failure drops the connection and rewinds to where the batch started (the cursor, the keys it
 * carried): the retried batch reads those pages again, and UNLINK of a key already gone replies 0.
 * What the failed batch's acknowledged UNLINKs removed is reported by the next batch; a reply lost
 * with the connection is not (docs/audit.md, "A reply is lost").
 */
export function openInPlaceWalk(options: InPlaceWalkOptions): PurgeWalk {
  const connect = options.connect ?? ((node: Redis) => RespScanConnection.open(node.options));
  const cutoffText = Buffer.from(options.cutoffText, 'latin1');
  const excluded = Buffer.from(options.excludePrefix, 'latin1');
  let node: Redis | null = null;
  let connection: RespScanConnection | null = null;
  // Pages requested and not yet judged, in cursor order (the first one's `from` is `cursor`).
  const ahead: Array<{ from: string; page: Promise<ScanPageView> }> = [];
  // The cursor of the page after the last one in `ahead`, once known, while READ_AHEAD pages wait.
  let nextFrom: string | null = null;
  let cursor = '0';
  let finished = false;
  // Due keys of a page beyond the last batch's room, copied: the next batch unlinks them first.
  let carried: Buffer[] = [];
  // Removed by acknowledged UNLINKs of a batch that then failed: reported by the next batch.
  let unreported = 0;

  /**
   * Requests the page at `from`; when it arrives, the page after it is requested at once, up to
   * READ_AHEAD pages waiting: Redis keeps scanning while the worker judges, unlinks, and waits for
   * the engine between batches (its lock check, a `progress` entry). Pages are only read ahead,
   * never judged ahead: what a batch unlinks stays within the batch.
   */
  const request = (conn: RespScanConnection, from: string) => {
    const page = conn.scan(from, options.match, options.scanCount);
    const entry = { from, page };
    ahead.push(entry);
    page.then(
      (p) => {
        if (p.cursor === '0' || conn !== connection || ahead.at(-1) !== entry) return;
        if (ahead.length < READ_AHEAD) request(conn, p.cursor);
        else nextFrom = p.cursor;
      },
      // A failed request is thrown by the batch that awaits it.
      () => undefined,
    );
  };
  const forgetAhead = () => {
    ahead.length = 0;
    nextFrom = null;
  };

  /** The due and doubtful keys of a page, in its order. */
  function judgePage(page: ScanPageView): { due: number[]; doubtful: Buffer[] } {
    const { bytes, ranges } = page;
    const due: number[] = [];
    const doubtful: Buffer[] = [];
    for (let i = 0; i < ranges.length; i += 2) {
      const start = ranges[i]!;
      const end = ranges[i + 1]!;
      if (excluded.length > 0 && end - start >= excluded.length && excluded.compare(bytes, start, start + excluded.length) === 0) continue;
      const verdict = options.time.judge(bytes, cutoffText, start, end);
      if (verdict === 'due') due.push(start, end);
      else if (verdict === 'doubtful') doubtful.push(Buffer.from(bytes.subarray(start, end)));
    }
    return { due, doubtful };
  }

  /** One batch; what its acknowledged UNLINKs removed is added to `unreported`, even when it fails. */
  async function batch(conn: RespScanConnection, master: Redis): Promise<void> {
    const removals: Array<Promise<number>> = [];
    let room = options.batchSize;
    const settle = async (): Promise<void> => {
      const outcomes = await Promise.allSettled(removals);
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') unreported += outcome.value;
      }
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
    };
    try {
      if (carried.length > 0) {
        const keys = carried.splice(0, room);
        room -= keys.length;
        const joined = Buffer.concat(keys);
        const ranges: number[] = [];
        let at = 0;
        for (const key of keys) ranges.push(at, (at += key.length));
        removals.push(conn.unlink(joined, ranges));
      }
      for (let pages = 0; room > 0 && !finished && pages < MAX_PAGES_PER_BATCH; pages += 1) {
        if (ahead.length === 0) request(conn, cursor);
        const page = await ahead.shift()!.page;
        cursor = page.cursor;
        if (cursor === '0') finished = true;
        // Redis serves the next pages while this one is judged.
        else if (ahead.length === 0) request(conn, nextFrom ?? cursor);
        else if (nextFrom !== null) request(conn, nextFrom);
        nextFrom = null;
        const { due, doubtful } = judgePage(page);
        const now = due.slice(0, 2 * room);
        if (now.length > 0) removals.push(conn.unlink(page.bytes, now));
        room -= now.length / 2;
        for (let i = now.length; i < due.length; i += 2) carried.push(Buffer.from(page.bytes.subarray(due[i], due[i + 1])));
        if (doubtful.length > 0) {
          room -= doubtful.length;
          removals.push(
            options.fallback.purge({ node: master, keys: doubtful }, options.cutoffMs).then((outcome) => {
              if (outcome.error) throw outcome.error;
              return outcome.deleted;
            }),
          );
        }
      }
    } catch (err) {
      await settle().catch(() => undefined);
      throw err;
    }
    await settle();
  }

  return {
    async nextBatch(): Promise<BatchResult> {
      node ??= (await options.keyspace.masters())[0]!;
      if (!connection || connection.closed) {
        forgetAhead();
        connection = await connect(node);
      }
      const resume: Resume = { cursor, carried: [...carried], finished };
      try {
        await batch(connection, node);
      } catch (err) {
        connection.close();
        connection = null;
        forgetAhead();
        ({ cursor, carried, finished } = resume);
        throw err;
      }
      const done = finished && carried.length === 0;
      if (done) {
        connection.close();
        connection = null;
      }
      const deleted = unreported;
      unreported = 0;
      return { deleted, done };
    },
  };
}
