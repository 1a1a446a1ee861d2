/**
 * The worker's Kafka client (`@platformatic/kafka`) against the in-process test broker
 * (test/support/kafka-test-broker.ts). With TEST_KAFKA_BROKERS set, the same checks run against a
 * real broker; the ones only the test broker can make (denials, its clock) are skipped there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, ConfigSources, Connection, IncrementalAlterConfigOperationTypes, fetchV12 } from '@platformatic/kafka';
import { KAFKA_TEST_BROKERS, createTestKafka, type TestKafka } from '../support/kafka.js';
import { protocolFailure } from '../../src/stores/kafka/kafka-errors.js';
import { startKafkaTestBroker } from '../support/kafka-test-broker.js';

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
let kafka: TestKafka;

async function failureOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (err) {
    return protocolFailure(err)?.apiId ?? `not a protocol error: ${(err as Error).message}`;
  }
}

beforeAll(async () => {
  kafka = await createTestKafka('broker');
});
afterAll(async () => {
  expect(kafka.broker?.unsupported ?? []).toEqual([]);
  await kafka.close();
});

describe('kafka test broker', () => {
  it('creates a topic with partitions and lists it in Metadata', async () => {
    const topic = kafka.topicName('meta');
    await kafka.createTopic(topic, 3);
    expect(await kafka.admin.listTopics()).toContain(topic);
    const metadata = await kafka.admin.metadata({ topics: [topic], forceUpdate: true });
    expect(metadata.topics.get(topic)?.partitionsCount).toBe(3);
  });

  it('keeps each record with its own CreateTime timestamp and offset, per partition', async () => {
    const topic = kafka.topicName('produce');
    await kafka.createTopic(topic, 2);
    await kafka.produce(topic, [{ timestamp: T0 }, { timestamp: T0 + 5 }, { timestamp: T0 + 1, partition: 1 }]);
    await kafka.produce(topic, [{ timestamp: T0 + 9 }]);
    const records = await kafka.remaining(topic, 2);
    expect(records.map((r) => [r.partition, Number(r.offset), r.timestamp])).toEqual([
      [0, 0, T0],
      [0, 1, T0 + 5],
      [0, 2, T0 + 9],
      [1, 0, T0 + 1],
    ]);
  });

  it('ListOffsets by timestamp: the first record stamped at or after it, exact to the millisecond', async () => {
    const topic = kafka.topicName('by_time');
    await kafka.createTopic(topic);
    await kafka.produce(topic, [{ timestamp: T0 - 1 }, { timestamp: T0 }, { timestamp: T0 + 1 }]);
    const at = async (ts: number) => {
      const [t] = await kafka.admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: BigInt(ts) }] }] });
      const p = t!.partitions[0]!;
      return [Number(p.offset), Number(p.timestamp)];
    };
    expect(await at(T0 - 1)).toEqual([0, T0 - 1]);
    expect(await at(T0)).toEqual([1, T0]);
    expect(await at(T0 + 1)).toEqual([2, T0 + 1]);
    expect((await at(T0 + 2))[0]).toBe(-1);
  });

  it('DeleteRecords moves the log start; Fetch and ListOffsets honour it', async () => {
    const topic = kafka.topicName('delete');
    await kafka.createTopic(topic);
    await kafka.produce(topic, [{ timestamp: T0 }, { timestamp: T0 + 1 }, { timestamp: T0 + 2 }, { timestamp: T0 + 3 }]);
    const [deleted] = await kafka.admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 2n }] }] });
    expect(deleted!.partitions[0]!.lowWatermark).toBe(2n);
    expect(await kafka.logStartOffsets(topic)).toEqual([2n]);
    expect((await kafka.remaining(topic)).map((r) => r.timestamp)).toEqual([T0 + 2, T0 + 3]);
    // A timestamp before the log start finds the first remaining record, not a deleted one.
    const [t] = await kafka.admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: BigInt(T0) }] }] });
    expect(t!.partitions[0]!.offset).toBe(2n);
    // Fetch below the log start is out of range (the records are gone); at the log start it answers the rest.
    const [host, port] = kafka.brokers[0]!.split(':');
    const connection = new Connection('fetch-test');
    await connection.connect(host!, Number(port));
    try {
      const fetchAt = (offset: bigint) =>
        fetchV12.api.async(
          connection,
          0,
          1,
          1_048_576,
          0,
          0,
          -1,
          [
            {
              topicId: topic,
              partitions: [
                { partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: 1_048_576 },
              ],
            },
          ],
          [],
          '',
        );
      expect(await failureOf(fetchAt(1n))).toBe('OFFSET_OUT_OF_RANGE');
      const answer = (await fetchAt(2n)).responses[0]!.partitions[0]!;
      expect(answer.logStartOffset).toBe(2n);
      // A real broker may answer the whole batch the log start falls in; the records from the log start are these.
      const offsets = (answer.records ?? []).flatMap((b) => b.records.map((r) => b.firstOffset + BigInt(r.offsetDelta)));
      expect(offsets.filter((o) => o >= 2n)).toEqual([2n, 3n]);
    } finally {
      await connection.close();
    }
    // Deleting before an earlier offset changes nothing: the log start only moves forward.
    await kafka.admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 0n }] }] });
    expect(await kafka.logStartOffsets(topic)).toEqual([2n]);
    expect(await failureOf(kafka.admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 99n }] }] }))).toBe(
      'OFFSET_OUT_OF_RANGE',
    );
  });

  it('DescribeConfigs reports a topic override as TOPIC_CONFIG and the broker default otherwise; IncrementalAlterConfigs sets one key', async () => {
    const topic = kafka.topicName('configs');
    await kafka.createTopic(topic, 1, { 'cleanup.policy': 'delete' });
    const describe = async () => {
      const [d] = await kafka.admin.describeConfigs({
        resources: [
          { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms', 'cleanup.policy'] },
        ],
      });
      return Object.fromEntries(d!.configs.map((c) => [c.name, [c.value, c.configSource]]));
    };
    const before = await describe();
    expect(before['retention.ms']?.[1]).not.toBe(ConfigSources.TOPIC_CONFIG);
    expect(before['cleanup.policy']).toEqual(['delete', ConfigSources.TOPIC_CONFIG]);
    await kafka.admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '3600000' }],
        },
      ],
    });
    const after = await describe();
    expect(after['retention.ms']).toEqual(['3600000', ConfigSources.TOPIC_CONFIG]);
    expect(after['cleanup.policy']).toEqual(['delete', ConfigSources.TOPIC_CONFIG]);
  });

  it('refuses DeleteRecords on a compact-only topic (POLICY_VIOLATION), as Kafka does', async () => {
    const topic = kafka.topicName('compact');
    await kafka.createTopic(topic, 1, { 'cleanup.policy': 'compact' });
    await kafka.produce(topic, [{ timestamp: T0 }]);
    expect(await failureOf(kafka.admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 1n }] }] }))).toBe(
      'POLICY_VIOLATION',
    );
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist', async () => {
    const missing = kafka.topicName('missing');
    expect(
      await failureOf(kafka.admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: missing }] })),
    ).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it.skipIf(KAFKA_TEST_BROKERS !== '')('denies operations like a missing ACL (test broker only)', async () => {
    if (!kafka.broker) return;
    const topic = kafka.topicName('denied');
    await kafka.createTopic(topic);
    kafka.broker.deny(topic, 'deleteRecords');
    kafka.broker.deny(topic, 'alterConfigs');
    expect(await failureOf(kafka.admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 0n }] }] }))).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(
      await failureOf(
        kafka.admin.incrementalAlterConfigs({
          resources: [
            {
              resourceType: ConfigResourceTypes.TOPIC,
              resourceName: topic,
              configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '1' }],
            },
          ],
        }),
      ),
    ).toBe('TOPIC_AUTHORIZATION_FAILED');
    kafka.broker.deny(topic, 'describe');
    expect(await kafka.admin.listTopics()).not.toContain(topic);
  });
});

describe('kafka test broker: LogAppendTime', () => {
  it('stamps records of a LogAppendTime topic with the broker clock, ignoring the producer time', async () => {
    const broker = await startKafkaTestBroker({ now: () => T0 + 42 });
    const { Admin, Producer } = await import('@platformatic/kafka');
    const admin = new Admin({ clientId: 't', bootstrapBrokers: [broker.bootstrap] });
    const producer = new Producer({ clientId: 't', bootstrapBrokers: [broker.bootstrap], idempotent: false });
    try {
      await admin.createTopics({
        topics: ['lat'],
        partitions: 1,
        replicas: 1,
        configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
      });
      await producer.send({ messages: [{ topic: 'lat', partition: 0, value: Buffer.from('x'), timestamp: BigInt(T0 - 86_400_000) }] });
      const [t] = await admin.listOffsets({ topics: [{ name: 'lat', partitions: [{ partitionIndex: 0, timestamp: 0n }] }] });
      expect(Number(t!.partitions[0]!.timestamp)).toBe(T0 + 42);
    } finally {
      await producer.close();
      await admin.close();
      await broker.close();
    }
  });
});

describe('kafka test broker: SASL/PLAIN', () => {
  it('serves a client with the right password, and answers SASL_AUTHENTICATION_FAILED to a wrong one', async () => {
    const broker = await startKafkaTestBroker({ sasl: { username: 'worker', password: 'right' } });
    const { Admin } = await import('@platformatic/kafka');
    const good = new Admin({
      clientId: 't',
      bootstrapBrokers: [broker.bootstrap],
      sasl: { mechanism: 'PLAIN', username: 'worker', password: 'right' },
    });
    const bad = new Admin({
      clientId: 't',
      bootstrapBrokers: [broker.bootstrap],
      sasl: { mechanism: 'PLAIN', username: 'worker', password: 'wrong' },
      retries: 0,
    });
    const anonymous = new Admin({ clientId: 't', bootstrapBrokers: [broker.bootstrap], retries: 0, timeout: 2000 });
    try {
      expect(await good.listTopics()).toEqual([]);
      expect(await failureOf(bad.listTopics())).toBe('SASL_AUTHENTICATION_FAILED');
      // Without SASL the broker closes the connection at the first request past ApiVersions.
      expect(await failureOf(anonymous.listTopics())).not.toBeNull();
    } finally {
      await Promise.all([good.close(), bad.close(), anonymous.close()]);
      await broker.close();
    }
  });
});
