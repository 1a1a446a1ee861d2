import { createRecordsBatch, readRecordsBatches, Reader, Writer, type MessageRecord } from '@platformatic/kafka';
import type { ApiContext, ApiHandler } from './api-context.js';
import { ErrorCode, type BrokerState, type PartitionLog, type StoredRecord } from './broker-state.js';

/** Kafka's "no offset / no timestamp" answer. */
const UNKNOWN = -1n;
/** Records per batch a Fetch returns for one partition (the client asks again for more). */
const FETCH_MAX_RECORDS = 500;

function partitionOf(state: BrokerState, topic: string, index: number): PartitionLog | undefined {
  return state.topics.get(topic)?.partitions[index];
}

function topicError(state: BrokerState, topic: string, index: number, operation: Parameters<BrokerState['isDenied']>[1]): number {
  if (state.isDenied(topic, operation)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  return partitionOf(state, topic, index) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}

/**
 * Produce v9: decodes the record batches with the client library's own codec and keeps each record
 * with its absolute offset. CreateTime topics keep the producer's timestamps; LogAppendTime topics
 * stamp every record with the broker's clock, as Kafka does.
 */
export const produceHandler: ApiHandler = {
  key: 0,
  version: 9,
  name: 'Produce',
  handle(request: Reader, ctx: ApiContext) {
    request.readNullableString(); // transactional_id
    request.readInt16(); // acks
    request.readInt32(); // timeout_ms
    const { state } = ctx;
    const topics = request.readArray((r) => ({
      name: r.readString(),
      partitions: r.readArray((r) => ({ index: r.readInt32(), records: r.readNullableBytes() })),
    }));
    return Writer.create()
      .appendArray(topics, (w, t) => {
        w.appendString(t.name).appendArray(t.partitions, (w, p) => {
          const error = topicError(state, t.name, p.index, 'write');
          const log = partitionOf(state, t.name, p.index);
          let base = UNKNOWN;
          let appendTime = UNKNOWN;
          if (error === ErrorCode.NONE && log && p.records) {
            const topic = state.topics.get(t.name)!;
            const logAppendTime = state.config(topic, 'message.timestamp.type').value === 'LogAppendTime';
            if (logAppendTime) appendTime = BigInt(state.now());
            const records: Omit<StoredRecord, 'offset'>[] = [];
            for (const batch of readRecordsBatches(Reader.from(p.records))) {
              for (const r of batch.records) {
                records.push({
                  timestamp: logAppendTime ? appendTime : batch.firstTimestamp + r.timestampDelta,
                  key: r.key,
                  value: r.value,
                  headers: r.headers,
                });
              }
            }
            base = log.append(records);
          }
          w.appendInt32(p.index)
            .appendInt16(error)
            .appendInt64(base)
            .appendInt64(appendTime)
            .appendInt64(log?.logStartOffset ?? UNKNOWN)
            .appendArray([], () => undefined)
            .appendString(null);
        });
      })
      .appendInt32(0)
      .appendTaggedFields();
  },
};

/** Encodes stored records as one v2 batch at their real base offset (the codec writes 0 there; the CRC does not cover it). */
function encodeBatch(topic: string, partition: number, records: readonly StoredRecord[]): Buffer {
  const messages: MessageRecord[] = records.map((r) => ({
    topic,
    partition,
    key: r.key ?? undefined,
    value: r.value as Buffer,
    timestamp: r.timestamp,
    headers: new Map(r.headers.filter((h): h is [Buffer, Buffer] => h[0] !== null && h[1] !== null)),
  }));
  const buffer = Buffer.from(createRecordsBatch(messages).buffer);
  buffer.writeBigInt64BE(records[0]!.offset, 0);
  return buffer;
}

/** Fetch v12: records from the fetch offset; an offset before the log start (deleted) is out of range, as in Kafka. */
export const fetchHandler: ApiHandler = {
  key: 1,
  version: 12,
  name: 'Fetch',
  handle(request: Reader, ctx: ApiContext) {
    request.readInt32(); // replica_id
    request.readInt32(); // max_wait_ms: the test broker answers at once
    request.readInt32(); // min_bytes
    request.readInt32(); // max_bytes
    request.readInt8(); // isolation_level
    request.readInt32(); // session_id
    request.readInt32(); // session_epoch
    const topics = request.readArray((r) => ({
      name: r.readString(),
      partitions: r.readArray((r) => {
        const index = r.readInt32();
        r.readInt32(); // current_leader_epoch
        const fetchOffset = r.readInt64();
        r.readInt32(); // last_fetched_epoch
        r.readInt64(); // log_start_offset (followers only)
        r.readInt32(); // partition_max_bytes
        return { index, fetchOffset };
      }),
    }));
    request.readArray((r) => {
      r.readUUID();
      r.readArray((r) => r.readInt32(), true, false);
    });
    request.readString(); // rack_id
    const { state } = ctx;
    return Writer.create()
      .appendInt32(0)
      .appendInt16(ErrorCode.NONE)
      .appendInt32(0)
      .appendArray(topics, (w, t) => {
        w.appendString(t.name).appendArray(t.partitions, (w, p) => {
          let error = topicError(state, t.name, p.index, 'read');
          const log = partitionOf(state, t.name, p.index);
          if (error === ErrorCode.NONE && log && (p.fetchOffset < log.logStartOffset || p.fetchOffset > log.nextOffset)) {
            error = ErrorCode.OFFSET_OUT_OF_RANGE;
          }
          const records =
            error === ErrorCode.NONE && log ? log.records.filter((r) => r.offset >= p.fetchOffset).slice(0, FETCH_MAX_RECORDS) : [];
          const bytes = records.length > 0 ? encodeBatch(t.name, p.index, records) : Buffer.alloc(0);
          w.appendInt32(p.index)
            .appendInt16(error)
            .appendInt64(log?.nextOffset ?? UNKNOWN)
            .appendInt64(log?.nextOffset ?? UNKNOWN)
            .appendInt64(log?.logStartOffset ?? UNKNOWN)
            .appendArray([], () => undefined)
            .appendInt32(-1)
            .appendUnsignedVarInt(bytes.length + 1)
            .append(bytes);
        });
      })
      .appendTaggedFields();
  },
};

/**
 * ListOffsets v7: -1 the log end (high watermark), -2 the log start, -3 the largest timestamp;
 * any other value the first record, from the log start in offset order, stamped at or after it
 * (offset and timestamp -1 when there is none): Kafka's semantics, which assume timestamps that do
 * not decrease along the log.
 */
export const listOffsetsHandler: ApiHandler = {
  key: 2,
  version: 7,
  name: 'ListOffsets',
  handle(request: Reader, ctx: ApiContext) {
    request.readInt32(); // replica_id
    request.readInt8(); // isolation_level
    const topics = request.readArray((r) => ({
      name: r.readString(),
      partitions: r.readArray((r) => {
        const index = r.readInt32();
        r.readInt32(); // current_leader_epoch
        return { index, timestamp: r.readInt64() };
      }),
    }));
    const { state } = ctx;
    return Writer.create()
      .appendInt32(0)
      .appendArray(topics, (w, t) => {
        w.appendString(t.name).appendArray(t.partitions, (w, p) => {
          const error = topicError(state, t.name, p.index, 'describe');
          const log = partitionOf(state, t.name, p.index);
          let answer: { offset: bigint; timestamp: bigint } = { offset: UNKNOWN, timestamp: UNKNOWN };
          if (error === ErrorCode.NONE && log) {
            if (p.timestamp === -1n) answer = { offset: log.nextOffset, timestamp: UNKNOWN };
            else if (p.timestamp === -2n) answer = { offset: log.logStartOffset, timestamp: UNKNOWN };
            else if (p.timestamp === -3n) answer = log.maxTimestampRecord() ?? answer;
            else answer = log.offsetForTimestamp(p.timestamp) ?? answer;
          }
          w.appendInt32(p.index).appendInt16(error).appendInt64(answer.timestamp).appendInt64(answer.offset).appendInt32(0);
        });
      })
      .appendTaggedFields();
  },
};

/**
 * DeleteRecords v2: moves each partition's log start to the given offset (-1 = the high
 * watermark). As in Kafka: an offset past the high watermark is OFFSET_OUT_OF_RANGE, and a topic
 * whose cleanup.policy lacks `delete` answers POLICY_VIOLATION.
 */
export const deleteRecordsHandler: ApiHandler = {
  key: 21,
  version: 2,
  name: 'DeleteRecords',
  handle(request: Reader, ctx: ApiContext) {
    const topics = request.readArray((r) => ({
      name: r.readString(),
      partitions: r.readArray((r) => ({ index: r.readInt32(), offset: r.readInt64() })),
    }));
    request.readInt32(); // timeout_ms
    const { state } = ctx;
    return Writer.create()
      .appendInt32(0)
      .appendArray(topics, (w, t) => {
        w.appendString(t.name).appendArray(t.partitions, (w, p) => {
          let error = topicError(state, t.name, p.index, 'deleteRecords');
          const topic = state.topics.get(t.name);
          const log = partitionOf(state, t.name, p.index);
          if (error === ErrorCode.NONE && topic && log) {
            const policy = (state.config(topic, 'cleanup.policy').value ?? '').split(',').map((s) => s.trim());
            const offset = p.offset === -1n ? log.nextOffset : p.offset;
            if (!policy.includes('delete')) error = ErrorCode.POLICY_VIOLATION;
            else if (offset < 0n || offset > log.nextOffset) error = ErrorCode.OFFSET_OUT_OF_RANGE;
            else log.deleteBefore(offset);
          }
          w.appendInt32(p.index)
            .appendInt64(error === ErrorCode.NONE && log ? log.logStartOffset : UNKNOWN)
            .appendInt16(error);
        });
      })
      .appendTaggedFields();
  },
};
