/**
 * Open cursors: the materialised result of a find/aggregate/list* command, handed out in
 * batches (firstBatch, then nextBatch on each getMore) until exhausted or killed.
 */
import { randomInt } from 'node:crypto';
import type { Document } from 'mongodb';
import { CommandError } from './errors.js';
import { bsonSize } from './protocol.js';

/** mongod's default first batch for find/aggregate. */
export const DEFAULT_FIRST_BATCH = 101;
/** Replies must stay under maxBsonObjectSize (16 MiB); keep some room for the envelope. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;

interface OpenCursor {
  id: bigint;
  ns: string;
  documents: Document[];
  position: number;
}

export interface CursorReply {
  /** The cursor id to report: 0 when the results are exhausted (the cursor is then closed). */
  id: bigint;
  ns: string;
  batch: Document[];
}

export class CursorRegistry {
  private readonly open = new Map<bigint, OpenCursor>();
  private nextId = BigInt(randomInt(1, 2 ** 47)) << 16n;

  /**
   * Registers a result set and returns its first batch. `batchSize` 0 yields an empty first
   * batch with an open cursor (as mongod does); `singleBatch` closes the cursor right away.
   */
  create(ns: string, documents: Document[], options: { batchSize?: number; singleBatch?: boolean } = {}): CursorReply {
    const cursor: OpenCursor = { id: this.nextId++, ns, documents, position: 0 };
    const batch = takeBatch(cursor, options.batchSize ?? DEFAULT_FIRST_BATCH);
    if (options.singleBatch || cursor.position >= documents.length) return { id: 0n, ns, batch };
    this.open.set(cursor.id, cursor);
    return { id: cursor.id, ns, batch };
  }

  getMore(id: bigint, batchSize: number | undefined): CursorReply {
    const cursor = this.open.get(id);
    if (!cursor) throw new CommandError('CursorNotFound', `cursor id ${id} not found`);
    const batch = takeBatch(cursor, batchSize && batchSize > 0 ? batchSize : Infinity);
    if (cursor.position >= cursor.documents.length) {
      this.open.delete(id);
      return { id: 0n, ns: cursor.ns, batch };
    }
    return { id, ns: cursor.ns, batch };
  }

  namespaceOf(id: bigint): string | undefined {
    return this.open.get(id)?.ns;
  }

  /** Kills the given cursors; returns which ids were open and which were unknown. */
  kill(ids: bigint[]): { killed: bigint[]; notFound: bigint[] } {
    const killed: bigint[] = [];
    const notFound: bigint[] = [];
    for (const id of ids) (this.open.delete(id) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  clear(): void {
    this.open.clear();
  }
}

function takeBatch(cursor: OpenCursor, limit: number): Document[] {
  const batch: Document[] = [];
  let bytes = 0;
  while (batch.length < limit && cursor.position < cursor.documents.length) {
    const document = cursor.documents[cursor.position] as Document;
    bytes += bsonSize(document);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
    batch.push(document);
    cursor.position += 1;
  }
  return batch;
}
