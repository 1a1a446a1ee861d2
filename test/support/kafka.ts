import { randomBytes } from 'node:crypto';
import { Admin, Connection, Producer, fetchV12 } from '@platformatic/kafka';
import type { KafkaTargetConfig } from '../../src/config/schema.js';
import { startKafkaTestBroker, type KafkaTestBroker } from './kafka-test-broker.js';

/**
 * A real broker to run every Kafka test against instead of the in-process test broker:
 * `host:port[,host:port…]` (PLAINTEXT, no auth), e.g. the compose file's `127.0.0.1:9092`.
 * Empty means "start a test broker".
 */
export const KAFKA_TEST_BROKERS = process.env.TEST_KAFKA_BROKERS ?? '';

export interface RemainingRecord {
  partition: number;
  offset: bigint;
  /** Epoch ms. */
  timestamp: number;
}

export interface TestKafka {
  brokers: string[];
  /** The in-process test broker; null when running against TEST_KAFKA_BROKERS. */
  broker: KafkaTestBroker | null;
  admin: Admin;
  /** A topic name unique to this test file: `rt_<label>_<random>_<suffix>`. */
  topicName(suffix: string): string;
  createTopic(name: string, partitions?: number, configs?: Record<string, string>): Promise<void>;
  /** Writes one record per entry, with its CreateTime, to the given partition (0 by default), in the order given. */
  produce(topic: string, records: readonly { timestamp: number; partition?: number }[]): Promise<void>;
  /** Every record from each partition's log start (read with Fetch), in partition then offset order. */
  remaining(topic: string, partitions?: number): Promise<RemainingRecord[]>;
  /** The log start offset of each partition (ListOffsets EARLIEST). */
  logStartOffsets(topic: string, partitions?: number): Promise<bigint[]>;
  /** Empties every partition (DeleteRecords to the high watermark). */
  truncate(topic: string, partitions?: number): Promise<void>;
  /** Deletes the topics this file created and closes every client (and the test broker). */
  close(): Promise<void>;
}

/** Kafka for one test file: on TEST_KAFKA_BROKERS if set, else on a fresh test broker. */
export async function createTestKafka(label: string): Promise<TestKafka> {
  const broker = KAFKA_TEST_BROKERS === '' ? await startKafkaTestBroker() : null;
  const brokers = broker ? [broker.bootstrap] : KAFKA_TEST_BROKERS.split(',').map((b) => b.trim());
  const clientId = `retention-test-${label}`;
  const admin = new Admin({ clientId, bootstrapBrokers: brokers, retries: 2, retryDelay: 100 });
  const producer = new Producer({ clientId, bootstrapBrokers: brokers, idempotent: false, acks: -1, retries: 2, retryDelay: 100 });
  const prefix = `rt_${label.replace(/[^a-z0-9_]/gi, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  const [host = '127.0.0.1', port = '9092'] = (brokers[0] ?? '').split(':');
  let connection: Connection | null = null;
  const fetchConnection = async (): Promise<Connection> => {
    if (!connection) {
      connection = new Connection(clientId);
      await connection.connect(host, Number(port));
    }
    return connection;
  };
  const partitionList = (n: number) => Array.from({ length: n }, (_, i) => i);

  const kafka: TestKafka = {
    brokers,
    broker,
    admin,
    topicName: (suffix) => `${prefix}_${suffix}`,
    async createTopic(name, partitions = 1, configs = {}) {
      await admin.createTopics({
        topics: [name],
        partitions,
        replicas: 1,
        configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
      });
      created.push(name);
    },
    async produce(topic, records) {
      if (records.length === 0) return;
      await producer.send({
        messages: records.map((r, i) => ({
          topic,
          partition: r.partition ?? 0,
          timestamp: BigInt(r.timestamp),
          value: Buffer.from(`record ${i}`),
        })),
      });
    },
    async logStartOffsets(topic, partitions = 1) {
      const listed = await admin.listOffsets({
        topics: [{ name: topic, partitions: partitionList(partitions).map((p) => ({ partitionIndex: p, timestamp: -2n })) }],
      });
      const byPartition = new Map(listed[0]!.partitions.map((p) => [p.partitionIndex, p.offset]));
      return partitionList(partitions).map((p) => byPartition.get(p) ?? -1n);
    },
    async remaining(topic, partitions = 1) {
      const starts = await kafka.logStartOffsets(topic, partitions);
      const out: RemainingRecord[] = [];
      const conn = await fetchConnection();
      for (const partition of partitionList(partitions)) {
        let offset = starts[partition]!;
        for (let guard = 0; guard < 10_000; guard += 1) {
          const response = await fetchV12.api.async(
            conn,
            0,
            1,
            10_485_760,
            0,
            0,
            -1,
            [
              {
                topicId: topic,
                partitions: [
                  { partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: 10_485_760 },
                ],
              },
            ],
            [],
            '',
          );
          const answer = response.responses[0]!.partitions[0]!;
          let advanced = false;
          for (const batch of answer.records ?? []) {
            for (const r of batch.records) {
              const recordOffset = batch.firstOffset + BigInt(r.offsetDelta);
              // A real broker returns whole batches: skip records before the offset asked for.
              if (recordOffset < offset) continue;
              out.push({ partition, offset: recordOffset, timestamp: Number(batch.firstTimestamp + r.timestampDelta) });
              offset = recordOffset + 1n;
              advanced = true;
            }
          }
          if (!advanced || offset >= answer.highWatermark) break;
        }
      }
      return out;
    },
    async truncate(topic, partitions = 1) {
      await admin.deleteRecords({
        topics: [{ name: topic, partitions: partitionList(partitions).map((p) => ({ partition: p, offset: -1n })) }],
      });
    },
    async close() {
      try {
        if (created.length > 0) await admin.deleteTopics({ topics: created });
      } finally {
        await (connection as Connection | null)?.close();
        await producer.close();
        await admin.close();
        await broker?.close();
      }
    },
  };
  return kafka;
}

/** A Kafka target as the config schema would resolve it, with the schema's defaults. */
export function kafkaTarget(fields: Partial<KafkaTargetConfig> & ({ topic: string } | { match: string })): KafkaTargetConfig {
  return { store: 'kafka', enforce: false, batchSize: 1000, pauseMs: 0, maxRunSeconds: 600, ...fields } as KafkaTargetConfig;
}
