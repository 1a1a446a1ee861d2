import { randomUUID } from 'node:crypto';

/** One record as the test broker keeps it: decoded, with its absolute offset and timestamp. */
export interface StoredRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

/** One partition's log: records from `logStartOffset` up to (not including) `nextOffset`. */
export class PartitionLog {
  records: StoredRecord[] = [];
  logStartOffset = 0n;
  nextOffset = 0n;

  append(records: Omit<StoredRecord, 'offset'>[]): bigint {
    const base = this.nextOffset;
    for (const r of records) {
      this.records.push({ ...r, offset: this.nextOffset });
      this.nextOffset += 1n;
    }
    return base;
  }

  /** DeleteRecords: moves the log start forward (never back), dropping what lies before it. */
  deleteBefore(offset: bigint): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    this.records = this.records.filter((r) => r.offset >= offset);
  }

  /**
   * ListOffsets by timestamp, as Kafka answers it: the first record in offset order (from the log
   * start) stamped at or after `timestamp`; null when there is none (Kafka then answers offset -1).
   */
  offsetForTimestamp(timestamp: bigint): StoredRecord | null {
    return this.records.find((r) => r.timestamp >= timestamp) ?? null;
  }

  /** ListOffsets MAX_TIMESTAMP (-3): the record with the largest timestamp (the first such). */
  maxTimestampRecord(): StoredRecord | null {
    let best: StoredRecord | null = null;
    for (const r of this.records) if (best === null || r.timestamp > best.timestamp) best = r;
    return best;
  }
}

export interface TopicState {
  name: string;
  id: string;
  partitions: PartitionLog[];
  /** Topic-level overrides (`DYNAMIC_TOPIC_CONFIG`); anything else falls back to the broker default. */
  configs: Map<string, string>;
}

/** Topic-level operations the broker can be told to deny, as an ACL would. */
export type KafkaOperation = 'describe' | 'describeConfigs' | 'alterConfigs' | 'deleteRecords' | 'write' | 'read';

/** Broker-wide defaults of the topic configs the broker knows (what `DescribeConfigs` reports as `DEFAULT_CONFIG`). */
export const BROKER_DEFAULTS: Readonly<Record<string, string>> = {
  'retention.ms': '604800000',
  'retention.bytes': '-1',
  'cleanup.policy': 'delete',
  'message.timestamp.type': 'CreateTime',
  'segment.ms': '604800000',
};

/** Config types as `DescribeConfigs` reports them (Kafka's ConfigDef.Type ids). */
export const CONFIG_TYPES: Readonly<Record<string, number>> = {
  'retention.ms': 5,
  'retention.bytes': 5,
  'cleanup.policy': 7,
  'message.timestamp.type': 2,
  'segment.ms': 5,
};

/** Everything the test broker holds, in memory. */
export class BrokerState {
  readonly topics = new Map<string, TopicState>();
  readonly denied = new Map<string, Set<KafkaOperation>>();
  readonly defaults: Record<string, string>;
  /** The broker's clock, for LogAppendTime topics. */
  now: () => number;

  constructor(options: { defaults?: Record<string, string>; now?: () => number } = {}) {
    this.defaults = { ...BROKER_DEFAULTS, ...options.defaults };
    this.now = options.now ?? Date.now;
  }

  createTopic(name: string, partitions: number, configs: Iterable<[string, string]>): TopicState {
    const topic: TopicState = {
      name,
      id: randomUUID(),
      partitions: Array.from({ length: partitions }, () => new PartitionLog()),
      configs: new Map(configs),
    };
    this.topics.set(name, topic);
    return topic;
  }

  config(topic: TopicState, name: string): { value: string | null; override: boolean } {
    const own = topic.configs.get(name);
    if (own !== undefined) return { value: own, override: true };
    return { value: this.defaults[name] ?? null, override: false };
  }

  isDenied(topic: string, operation: KafkaOperation): boolean {
    return this.denied.get(topic)?.has(operation) ?? false;
  }
}

/** Kafka's protocol error codes the test broker answers with. */
export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  TOPIC_AUTHORIZATION_FAILED: 29,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
} as const;
