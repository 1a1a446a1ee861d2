import type { Admin } from '@platformatic/kafka';
import { kafkaFailure } from './kafka-errors.js';

/** ListOffsets' special timestamps. */
export const LATEST = -1n;
export const EARLIEST = -2n;

export interface ListedOffset {
  offset: bigint;
  /** The found record's timestamp (by-timestamp lookups), else -1. */
  timestamp: bigint;
}

/**
 * ListOffsets for some partitions of one topic at one timestamp (or LATEST / EARLIEST), keyed by
 * partition. A by-timestamp lookup answers, per partition, the first record in offset order
 * stamped at or after it; offset -1 when there is none.
 */
export async function listOffsets(
  admin: Admin,
  topic: string,
  partitions: readonly number[],
  timestamp: bigint,
): Promise<Map<number, ListedOffset>> {
  let listed;
  try {
    listed = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp })) }] });
  } catch (err) {
    throw kafkaFailure(err, topic, 'list offsets (ListOffsets)');
  }
  const out = new Map<number, ListedOffset>();
  for (const t of listed) {
    if (t.name !== topic) continue;
    for (const p of t.partitions) out.set(p.partitionIndex, { offset: p.offset, timestamp: p.timestamp });
  }
  return out;
}

export interface PartitionSpan {
  partition: number;
  /** The log start offset. */
  start: bigint;
  /** The high watermark when the span was read. */
  end: bigint;
  /** Delete before this offset: the first record stamped at or after the cutoff, else `end`. */
  until: bigint;
}

/**
 * Where each partition's due prefix ends. The high watermark is read *before* the by-timestamp
 * lookup: when that lookup finds no record at or after the cutoff, every record below the
 * watermark read earlier was there and stamped before the cutoff, so deleting up to it is safe;
 * a watermark read afterwards could include a record produced in between with a fresh timestamp.
 */
export async function dueSpans(admin: Admin, topic: string, partitions: readonly number[], cutoff: Date): Promise<PartitionSpan[]> {
  const ends = await listOffsets(admin, topic, partitions, LATEST);
  const starts = await listOffsets(admin, topic, partitions, EARLIEST);
  const found = await listOffsets(admin, topic, partitions, BigInt(cutoff.getTime()));
  return partitions.map((partition) => {
    const start = starts.get(partition)?.offset ?? 0n;
    const end = ends.get(partition)?.offset ?? start;
    const at = found.get(partition)?.offset ?? -1n;
    const until = at < 0n ? end : at < start ? start : at;
    return { partition, start, end, until };
  });
}

/** Records in a span's due prefix. */
export function dueCount(span: PartitionSpan): number {
  return span.until > span.start ? Number(span.until - span.start) : 0;
}
