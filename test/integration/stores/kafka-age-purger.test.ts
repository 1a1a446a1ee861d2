/**
 * The Kafka age purger beyond the conformance suite: the topics' own retention settings (judged,
 * enforced with before/after), regex targets and their guards, refusals before any deletion,
 * out-of-order CreateTime and LogAppendTime at the boundary. Against the test broker, or a real
 * one with TEST_KAFKA_BROKERS (denials and the broker clock are test-broker only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaStore } from '../../../src/stores/kafka/kafka-store.js';
import { runAgeTarget } from '../../../src/engine/run-age-target.js';
import { StopSignal } from '../../../src/engine/stop-signal.js';
import { fixedClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { Store } from '../../../src/stores/purger.js';
import type { KafkaTargetConfig } from '../../../src/config/schema.js';
import { KAFKA_TEST_BROKERS, createTestKafka, kafkaTarget, type TestKafka } from '../../support/kafka.js';
import { startKafkaTestBroker } from '../../support/kafka-test-broker.js';

const CUTOFF = new Date('2026-11-21T10:00:00.000Z');
const C = CUTOFF.getTime();
const DAY = 86_400_000;
const PROMISE = 7 * DAY;
const CONTEXT = { zone: 'UTC' };
const realBroker = KAFKA_TEST_BROKERS !== '';

let kafka: TestKafka;
let store: Store;

beforeAll(async () => {
  kafka = await createTestKafka('kafka_purger');
  store = createKafkaStore({ brokers: kafka.brokers, clientId: 'purger-test', tls: false, requestTimeoutMs: 10_000 }, silentLogger(), {
    retryDelayMs: 50,
  });
});
afterAll(async () => {
  await store.close();
  await kafka.close();
});

function run(target: KafkaTargetConfig, dryRun = false) {
  return runAgeTarget({
    purger: store.agePurger(target, CONTEXT),
    cutoff: CUTOFF,
    promiseMs: PROMISE,
    tuning: { pauseMs: 0, maxRunSeconds: 600 },
    dryRun,
    allowLarge: false,
    clock: fixedClock(CUTOFF),
    stop: new StopSignal(),
    logger: silentLogger(),
    runId: 'kafka-test',
    policy: 'kafka-test',
  });
}

describe('kafka retention settings', () => {
  it('judges each topic: longer than the promise, unset (broker default), compact-only, ok', async () => {
    const longer = kafka.topicName('long');
    const unset = kafka.topicName('unset');
    const compact = kafka.topicName('compact');
    const ok = kafka.topicName('ok');
    await kafka.createTopic(longer, 1, { 'retention.ms': String(30 * DAY) });
    await kafka.createTopic(unset);
    await kafka.createTopic(compact, 1, { 'cleanup.policy': 'compact', 'retention.ms': String(DAY) });
    await kafka.createTopic(ok, 1, { 'retention.ms': String(2 * DAY) });
    const review = async (topic: string) =>
      (await store.agePurger(kafkaTarget({ topic }), CONTEXT).reviewRetention!(PROMISE, { apply: true }))[0]!;
    expect(await review(longer)).toMatchObject({
      resource: longer,
      finding: 'longer-than-promise',
      retentionMs: 30 * DAY,
      source: 'topic',
      promiseMs: PROMISE,
    });
    // The test broker's (and Kafka's) built-in default is 7 days: not longer than a 7-day promise, but not the topic's own.
    expect(await review(unset)).toMatchObject({ finding: 'unset', source: 'broker' });
    expect(await review(compact)).toMatchObject({ finding: 'compact-only', cleanupPolicy: 'compact' });
    expect(await review(ok)).toMatchObject({ finding: 'ok', retentionMs: 2 * DAY });
    // Without enforce nothing changes.
    expect((await review(longer)).changed).toBeUndefined();
    expect((await review(longer)).retentionMs).toBe(30 * DAY);
  });

  it('infinite retention (-1) is longer than any promise', async () => {
    const topic = kafka.topicName('forever');
    await kafka.createTopic(topic, 1, { 'retention.ms': '-1' });
    const [f] = await store.agePurger(kafkaTarget({ topic }), CONTEXT).reviewRetention!(PROMISE, { apply: true });
    expect(f).toMatchObject({ finding: 'longer-than-promise', retentionMs: -1 });
  });

  it('enforce: true sets retention.ms to the promise and records the value before and after', async () => {
    const topic = kafka.topicName('enforce');
    await kafka.createTopic(topic, 1, { 'retention.ms': String(30 * DAY) });
    const result = await run(kafkaTarget({ topic, enforce: true }));
    expect(result.status).toBe('succeeded');
    expect(result.retention).toEqual([
      {
        resource: topic,
        finding: 'longer-than-promise',
        retentionMs: 30 * DAY,
        source: 'topic',
        cleanupPolicy: 'delete',
        promiseMs: PROMISE,
        changed: { before: 30 * DAY, beforeSource: 'topic', after: PROMISE },
      },
    ]);
    const [again] = await store.agePurger(kafkaTarget({ topic, enforce: true }), CONTEXT).reviewRetention!(PROMISE, { apply: true });
    expect(again).toMatchObject({ finding: 'ok', retentionMs: PROMISE });
    expect(again!.changed).toBeUndefined();
  });

  it('a dry run with enforce: true reports and changes nothing', async () => {
    const topic = kafka.topicName('enforce_dry');
    await kafka.createTopic(topic, 1, { 'retention.ms': String(30 * DAY) });
    await kafka.produce(topic, [{ timestamp: C - 1 }, { timestamp: C }]);
    const result = await run(kafkaTarget({ topic, enforce: true }), true);
    expect(result).toMatchObject({ status: 'succeeded', wouldDelete: 1, deleted: 0 });
    expect(result.retention![0]).toMatchObject({ finding: 'longer-than-promise' });
    expect(result.retention![0]!.changed).toBeUndefined();
    const [f] = await store.agePurger(kafkaTarget({ topic }), CONTEXT).reviewRetention!(PROMISE, { apply: true });
    expect(f!.retentionMs).toBe(30 * DAY);
    expect((await kafka.remaining(topic)).length).toBe(2);
  });

  it('a compact-only topic is reported, then refused before anything is deleted', async () => {
    const topic = kafka.topicName('compact_run');
    await kafka.createTopic(topic, 1, { 'cleanup.policy': 'compact' });
    await kafka.produce(topic, [{ timestamp: C - DAY }, { timestamp: C }]);
    const result = await run(kafkaTarget({ topic }));
    expect(result).toMatchObject({ status: 'refused', reason: 'compact-only', deleted: 0 });
    expect(result.error).toContain(topic);
    expect(result.retention![0]).toMatchObject({ finding: 'compact-only' });
    expect((await kafka.remaining(topic)).length).toBe(2);
  });
});

describe('kafka targets: topics, regexes and refusals', () => {
  it('a regex target purges every matching topic and no other', async () => {
    const a = kafka.topicName('rx_a');
    const b = kafka.topicName('rx_b');
    const other = kafka.topicName('other_a');
    for (const t of [a, b, other]) {
      await kafka.createTopic(t, 2);
      await kafka.produce(t, [
        { timestamp: C - 10 },
        { timestamp: C - 1, partition: 1 },
        { timestamp: C },
        { timestamp: C + 5, partition: 1 },
      ]);
    }
    const prefix = a.slice(0, a.length - 'rx_a'.length);
    const target = kafkaTarget({ match: `${prefix.replace(/[.]/g, '\\.')}rx_.*` });
    const dry = await run(target, true);
    expect(dry).toMatchObject({ status: 'succeeded', wouldDelete: 4, target: `match:${target.match}` });
    const result = await run(target);
    expect(result).toMatchObject({ status: 'succeeded', deleted: 4, batches: 4 });
    for (const t of [a, b]) expect((await kafka.remaining(t, 2)).map((r) => r.timestamp).sort()).toEqual([C, C + 5]);
    expect((await kafka.remaining(other, 2)).length).toBe(4);
  });

  it.each(['.*', '.+', '[^!]*', '(|.*)'])('refuses the regex %s, which would match every topic', async (match) => {
    const result = await run(kafkaTarget({ match }));
    expect(result).toMatchObject({ status: 'refused', reason: 'broad-match', deleted: 0 });
    expect(result.error).toContain(match);
  });

  it('refuses a topic that does not exist, naming it', async () => {
    const topic = kafka.topicName('absent');
    const result = await run(kafkaTarget({ topic }));
    expect(result).toMatchObject({ status: 'refused', reason: 'unknown-topic' });
    expect(result.error).toContain(topic);
  });

  it('refuses an internal topic by name, and a regex reaching one', async () => {
    // The test broker has no internal topics of its own; a real broker has __consumer_offsets once a group commits.
    if (kafka.broker) await kafka.createTopic('__consumer_offsets');
    expect(await run(kafkaTarget({ topic: '__consumer_offsets' }))).toMatchObject({ status: 'refused', reason: 'internal-topic' });
    expect(await run(kafkaTarget({ match: '__consumer.*' }))).toMatchObject({
      status: 'refused',
      reason: realBroker ? expect.any(String) : 'internal-topic',
    });
  });

  it.skipIf(realBroker)(
    'refuses, before deleting, a topic the principal may not delete records of or reconfigure (test broker only)',
    async () => {
      const topic = kafka.topicName('no_acl');
      await kafka.createTopic(topic, 1, { 'retention.ms': String(30 * DAY) });
      await kafka.produce(topic, [{ timestamp: C - 1 }]);
      kafka.broker!.deny(topic, 'alterConfigs');
      const enforce = await run(kafkaTarget({ topic, enforce: true }));
      expect(enforce).toMatchObject({ status: 'refused', reason: 'not-authorized' });
      expect(enforce.error).toContain(topic);
      expect(enforce.error).toContain('IncrementalAlterConfigs');
      kafka.broker!.deny(topic, 'deleteRecords');
      const plain = await run(kafkaTarget({ topic }));
      expect(plain).toMatchObject({ status: 'refused', reason: 'not-authorized' });
      expect(plain.error).toContain('DeleteRecords');
      expect((await kafka.remaining(topic)).length).toBe(1);
      kafka.broker!.deny(topic, 'describe');
      const hidden = await run(kafkaTarget({ topic }));
      expect(hidden).toMatchObject({ status: 'refused', reason: 'not-authorized' });
      expect(hidden.error).toContain(topic);
    },
  );
});

describe('kafka boundary', () => {
  it('out-of-order CreateTime: deletes only the prefix before the first record at or after the cutoff; an older record behind it stays', async () => {
    const topic = kafka.topicName('ooo');
    await kafka.createTopic(topic);
    await kafka.produce(topic, [{ timestamp: C - 5 }, { timestamp: C + 1 }, { timestamp: C - 3 }, { timestamp: C }]);
    expect(await run(kafkaTarget({ topic }), true)).toMatchObject({ wouldDelete: 1 });
    expect(await run(kafkaTarget({ topic }))).toMatchObject({ deleted: 1 });
    expect((await kafka.remaining(topic)).map((r) => r.timestamp)).toEqual([C + 1, C - 3, C]);
    // The report counts it the same way: by offsets, so the late record is not counted overdue yet.
    expect(await store.agePurger(kafkaTarget({ topic }), CONTEXT).inspect(CUTOFF)).toMatchObject({ overdue: 0, oldest: new Date(C + 1) });
  });

  it('an empty topic and a topic with nothing due are left alone', async () => {
    const empty = kafka.topicName('empty');
    const fresh = kafka.topicName('fresh');
    await kafka.createTopic(empty, 2);
    await kafka.createTopic(fresh);
    await kafka.produce(fresh, [{ timestamp: C }, { timestamp: C + 1 }]);
    expect(await run(kafkaTarget({ topic: empty }))).toMatchObject({ status: 'succeeded', deleted: 0 });
    expect(await run(kafkaTarget({ topic: fresh }))).toMatchObject({ status: 'succeeded', deleted: 0 });
    expect((await kafka.remaining(fresh)).length).toBe(2);
  });
});

describe.skipIf(realBroker)('kafka LogAppendTime (test broker clock)', () => {
  it('judges records by the broker append time, not the producer time', async () => {
    let now = C - 1;
    const broker = await startKafkaTestBroker({ now: () => now });
    const { Admin, Producer } = await import('@platformatic/kafka');
    const admin = new Admin({ clientId: 't', bootstrapBrokers: [broker.bootstrap] });
    const producer = new Producer({ clientId: 't', bootstrapBrokers: [broker.bootstrap], idempotent: false });
    const lat = createKafkaStore({ brokers: [broker.bootstrap], clientId: 't', tls: false, requestTimeoutMs: 10_000 }, silentLogger());
    try {
      await admin.createTopics({
        topics: ['lat'],
        partitions: 1,
        replicas: 1,
        configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
      });
      // Stamped "now" by the producer, appended at C - 1: due.
      await producer.send({ messages: [{ topic: 'lat', partition: 0, value: Buffer.from('a'), timestamp: BigInt(C + DAY) }] });
      now = C;
      // Stamped a day old by the producer, appended at the cutoff: kept.
      await producer.send({ messages: [{ topic: 'lat', partition: 0, value: Buffer.from('b'), timestamp: BigInt(C - DAY) }] });
      const purger = lat.agePurger(kafkaTarget({ topic: 'lat' }), CONTEXT);
      expect(await purger.count(CUTOFF)).toMatchObject({ due: 1, total: 2 });
      const walk = purger.openWalk(CUTOFF);
      expect(await walk.nextBatch()).toEqual({ deleted: 1, done: true });
    } finally {
      await lat.close();
      await producer.close();
      await admin.close();
      await broker.close();
    }
  });
});
