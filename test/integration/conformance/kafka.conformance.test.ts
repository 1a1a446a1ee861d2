/**
 * The age-purger conformance suite for Kafka, on a 3-partition topic: record i goes to partition
 * i % 3, in the order given, so each partition holds a share of every test's records and one
 * batch (one partition) never covers a whole test. Where Kafka differs, the fixture says so:
 * - deletion is a prefix of each partition, so "someone else removes a due record" removes every
 *   record before it in that partition too (`removeExternally` returns how many);
 * - every Kafka record has a timestamp: there are no records without a usable time.
 */
import { createKafkaStore } from '../../../src/stores/kafka/kafka-store.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { Store } from '../../../src/stores/purger.js';
import { createTestKafka, kafkaTarget, type TestKafka } from '../../support/kafka.js';
import { describeAgePurgerConformance } from './age-purger-conformance.js';

const PARTITIONS = 3;
let kafka: TestKafka;
let store: Store;
let topic: string;
const CONTEXT = { zone: 'UTC' };

describeAgePurgerConformance('Kafka', {
  hasUnusableRecords: false,
  async open() {
    kafka = await createTestKafka('conf_kafka');
    topic = kafka.topicName('events');
    await kafka.createTopic(topic, PARTITIONS);
    store = createKafkaStore({ brokers: kafka.brokers, clientId: 'conformance', tls: false, requestTimeoutMs: 10_000 }, silentLogger(), {
      retryDelayMs: 50,
    });
  },
  async close() {
    await store.close();
    await kafka.close();
  },
  async reset() {
    await kafka.truncate(topic, PARTITIONS);
  },
  async insert(times) {
    await kafka.produce(
      topic,
      times.map((t, i) => ({ timestamp: t!.getTime(), partition: i % PARTITIONS })),
    );
  },
  async remainingTimes() {
    return (await kafka.remaining(topic, PARTITIONS)).map((r) => r.timestamp).sort((a, b) => a - b);
  },
  async remainingUnusable() {
    return 0;
  },
  async removeExternally(time) {
    const records = await kafka.remaining(topic, PARTITIONS);
    const record = records.find((r) => r.timestamp === time.getTime());
    if (!record) throw new Error(`no record stamped ${time.toISOString()}`);
    await kafka.admin.deleteRecords({
      topics: [{ name: topic, partitions: [{ partition: record.partition, offset: record.offset + 1n }] }],
    });
    return records.filter((r) => r.partition === record.partition && r.offset <= record.offset).length;
  },
  purger: (batchSize) => store.agePurger(kafkaTarget({ topic, batchSize }), CONTEXT),
  misconfiguredPurger: () => store.agePurger(kafkaTarget({ topic: kafka.topicName('does_not_exist') }), CONTEXT),
});
