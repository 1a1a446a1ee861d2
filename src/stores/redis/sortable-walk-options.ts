import type { RecordKind } from './record-kind.js';
import type { RedisKeyspace } from './redis-keyspace.js';
import type { SortableKeyTime } from './sortable-key-time.js';

/** What both walks of sortable key names (judged by Redis, or in place by the worker) are given. */
export interface SortableWalkOptions {
  keyspace: RedisKeyspace;
  /** The SCAN MATCH glob and COUNT hint. */
  match: string;
  scanCount: number;
  /** Keys starting with this are never touched ('' when the glob cannot reach them). */
  excludePrefix: string;
  time: SortableKeyTime;
  /** The cutoff's text: `time.textAtOrAfter(cutoffMs)`. */
  cutoffText: string;
  cutoffMs: number;
  /** Judges the doubtful keys (digits before the cutoff, not a canonical date) with the client's own time reader. */
  fallback: RecordKind;
  batchSize: number;
}
