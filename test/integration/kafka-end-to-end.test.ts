/**
 * `store: kafka` from the YAML configuration through the CLI (`run`, `run --dry-run`, `report`,
 * `audit verify`), the worker's fan-out (`enqueue --wait` handled by a running worker), and the
 * audit trail (retention.ms before and after). Kafka is the test broker, or TEST_KAFKA_BROKERS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFixture, auditEntries, type QueueFixture } from '../support/queue/queue-fixture.js';
import { createTestKafka, KAFKA_TEST_BROKERS, type TestKafka } from '../support/kafka.js';
import { startKafkaTestBroker } from '../support/kafka-test-broker.js';
import { Admin, Producer } from '@platformatic/kafka';
import { runCli, spawnCli } from '../support/cli.js';
import { TEST_TIMING } from '../support/queue/spawn-worker.js';
import { startWorker, type RunningWorker } from '../../src/queue/start-worker.js';
import { enqueueCommand } from '../../src/cli/commands/enqueue.js';
import { silentLogger } from '../../src/logging/logger.js';
import type { RunDocument } from '../../src/types.js';
import { resolveConfig } from '../../src/config/load-config.js';
import type { ComplianceReport } from '../../src/report/compliance-report.js';
import { processJob } from '../../jobs/index.js';

const DAY = 86_400_000;

describe('kafka from the configuration file', () => {
  let fx: QueueFixture;
  let kafka: TestKafka;
  let events: string;
  let logs: string;
  let file: string;

  beforeAll(async () => {
    fx = await createQueueFixture('kafka_e2e');
    kafka = await createTestKafka('kafka_e2e');
    events = kafka.topicName('events');
    logs = kafka.topicName('logs');
    await kafka.createTopic(events, 2, { 'retention.ms': String(30 * DAY) });
    await kafka.createTopic(logs, 1, { 'retention.ms': String(DAY) });
    const policies = `
  - name: event-data
    category: monitoring
    retain: { days: 2 }
    schedule: { cron: "0 0 1 1 *" }
    targets:
      - { store: kafka, topic: ${events}, enforce: true }
      - { store: kafka, match: "${logs.replace(/_logs$/, '_lo.*')}" }
`;
    ({ file } = fx.writeConfig(policies, { extraStores: `  kafka: { brokers: "${kafka.brokers.join(',')}", clientId: e2e }` }));
  });
  afterAll(async () => {
    await kafka?.close();
    await fx?.drop();
  });

  const now = () => Date.now();
  const seed = async () => {
    await kafka.produce(events, [
      { timestamp: now() - 10 * DAY },
      { timestamp: now() - 3 * DAY, partition: 1 },
      { timestamp: now() - 60_000 },
      { timestamp: now() - 60_000, partition: 1 },
    ]);
    await kafka.produce(logs, [{ timestamp: now() - 5 * DAY }, { timestamp: now() - 1000 }]);
  };

  it('report exits 1 while a topic keeps data longer than the promise, naming it', async () => {
    await seed();
    const r = await runCli(['--config', file, 'report', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as ComplianceReport;
    const target = doc.targets.find((t) => t.target === events)!;
    // The yearly schedule makes nothing overdue yet: the exit code comes from the topic's retention.ms.
    expect(target.status).toBe('retention-exceeds-promise');
    expect(doc.status).toBe('overdue');
    expect(target.retention).toEqual([
      expect.objectContaining({ resource: events, finding: 'longer-than-promise', retentionMs: 30 * DAY }),
    ]);
    const text = await runCli(['--config', file, 'report']);
    expect(text.stdout).toContain(`topic ${events}: longer-than-promise`);
  });

  it('run --dry-run counts what is due per partition prefix and changes nothing', async () => {
    const r = await runCli(['--config', file, 'run', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as RunDocument;
    const [t1, t2] = doc.policies[0]!.targets;
    expect(t1).toMatchObject({ store: 'kafka', target: events, status: 'succeeded', wouldDelete: 2, deleted: 0 });
    expect(t1!.retention![0]).toMatchObject({ finding: 'longer-than-promise' });
    expect(t1!.retention![0]!.changed).toBeUndefined();
    expect(t2).toMatchObject({ store: 'kafka', target: expect.stringMatching(/^match:/), wouldDelete: 1 });
    expect((await kafka.remaining(events, 2)).length).toBe(4);
  });

  it('run deletes what is due, enforces retention.ms, and audits the values before and after', async () => {
    const r = await runCli(['--config', file, 'run', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as RunDocument;
    expect(doc.policies[0]!.targets.map((t) => [t.status, t.deleted])).toEqual([
      ['succeeded', 2],
      ['succeeded', 1],
    ]);
    expect((await kafka.remaining(events, 2)).length).toBe(2);
    expect((await kafka.remaining(logs)).length).toBe(1);
    const entry = (await auditEntries(fx.db.pool)).filter((e) => e.kind === 'target' && e.target === events && !e.dryRun).at(-1)!;
    expect(entry.store).toBe('kafka');
    expect(entry.data.deleted).toBe('2');
    const retention = entry.data.retention as unknown as { changed: { before: string; after: string } }[];
    expect(retention[0]!.changed).toMatchObject({ before: String(30 * DAY), after: String(2 * DAY) });
    const verify = await runCli(['--config', file, 'audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
  });

  it('report exits 0 once the retention is enforced and nothing is overdue', async () => {
    const r = await runCli(['--config', file, 'report', '--json']);
    const doc = JSON.parse(r.stdout) as ComplianceReport;
    expect(doc.targets.map((t) => t.status)).toEqual(['ok', 'ok']);
    expect(r.code).toBe(0);
  });

  it('runs through the worker: enqueue --wait hands the run to the target jobs of a running worker', async () => {
    // Behind the fresh records left by the last run, older ones would be out of order (kept): start over.
    await kafka.truncate(events, 2);
    await kafka.produce(events, [
      { timestamp: now() - 4 * DAY },
      { timestamp: now() - 4 * DAY, partition: 1 },
      { timestamp: now() },
      { timestamp: now(), partition: 1 },
    ]);
    const worker: RunningWorker = await startWorker(resolveConfig({ file }), {
      processJob,
      logger: silentLogger(),
      timing: TEST_TIMING,
      httpPort: 0,
      name: 'kafka',
    });
    try {
      let out = '';
      const code = await enqueueCommand(
        { config: file, wait: true, json: true, timeout: '60' },
        { stdout: (t) => (out += t), stderr: () => {}, logger: silentLogger() },
      );
      const doc = JSON.parse(out) as RunDocument;
      expect(code).toBe(0);
      expect(doc.policies[0]!.targets.find((t) => t.target === events)).toMatchObject({ status: 'succeeded', deleted: 2 });
    } finally {
      await worker.shutdown('test over');
    }
    expect((await kafka.remaining(events, 2)).length).toBe(2);
  });

  it('config check --connect checks each Kafka target against the brokers, changing nothing', async () => {
    const r = await runCli(['--config', file, 'config', 'check', '--connect', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { stores: { kafka: string[] }; checks: { store: string; target: string; status: string }[] };
    expect(doc.stores.kafka).toEqual(kafka.brokers);
    expect(doc.checks.filter((c) => c.store === 'kafka').map((c) => c.status)).toEqual(['ok', 'ok']);
  });

  it('refuses a topic that does not exist: exit 1, the topic named, nothing deleted', async () => {
    const missing = kafka.topicName('missing');
    const bad = join(fx.dir, 'missing.yaml');
    writeFileSync(
      bad,
      readFileSync(file, 'utf8').replace(/ {6}- \{ store: kafka, match: .*\}/, `      - { store: kafka, topic: ${missing} }`),
    );
    const before = (await kafka.remaining(events, 2)).length;
    const r = await runCli(['--config', bad, 'run', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as RunDocument;
    expect(doc.policies[0]!.targets.find((t) => t.target === missing)).toMatchObject({ status: 'refused', reason: 'unknown-topic' });
    expect(JSON.stringify(doc)).toContain(missing);
    expect((await kafka.remaining(events, 2)).length).toBe(before);
  });

  it.skipIf(KAFKA_TEST_BROKERS !== '')(
    'authenticates with SASL/PLAIN from ${file:…}, and never prints the password, even when it is wrong (test broker)',
    async () => {
      const account = { username: 'worker', password: 'hunter2-kafka-SECRET' };
      const broker = await startKafkaTestBroker({ sasl: account });
      const admin = new Admin({ clientId: 'sasl', bootstrapBrokers: [broker.bootstrap], sasl: { mechanism: 'PLAIN', ...account } });
      const producer = new Producer({
        clientId: 'sasl',
        bootstrapBrokers: [broker.bootstrap],
        sasl: { mechanism: 'PLAIN', ...account },
        idempotent: false,
      });
      try {
        await admin.createTopics({ topics: ['sasl-events'], partitions: 1, replicas: 1 });
        await producer.send({
          messages: [{ topic: 'sasl-events', partition: 0, value: Buffer.from('x'), timestamp: BigInt(now() - 5 * DAY) }],
        });
        const secret = join(fx.dir, 'kafka-password');
        const yaml = readFileSync(file, 'utf8')
          .replace(
            /kafka: \{ brokers: "[^"]*", clientId: e2e \}/,
            `kafka: { brokers: "${broker.bootstrap}", clientId: e2e, requestTimeoutMs: 3000, sasl: { mechanism: PLAIN, username: worker, password: "\${file:${secret}}" } }`,
          )
          .replace(/ {6}- \{ store: kafka, match: .*\}\n/, '')
          .replace(/topic: [^,]+, enforce: true/, 'topic: sasl-events');
        const withSasl = join(fx.dir, 'sasl.yaml');
        writeFileSync(withSasl, yaml);

        writeFileSync(secret, 'wrong-hunter3-SECRET\n');
        const failed = spawnCli(['--config', withSasl, 'run', '--json'], { LOG_LEVEL: 'debug' });
        expect(await failed.exit).toBe(1);
        const failedOut = failed.stdout() + failed.stderr();
        expect(failedOut).toContain('SASL_AUTHENTICATION_FAILED');
        expect(failedOut).not.toContain('hunter');

        writeFileSync(secret, `${account.password}\n`);
        const ok = spawnCli(['--config', withSasl, 'run', '--json'], { LOG_LEVEL: 'debug' });
        expect(await ok.exit, ok.stderr()).toBe(0);
        expect(JSON.parse(ok.stdout()).policies[0].targets[0]).toMatchObject({ target: 'sasl-events', deleted: 1 });
        expect(ok.stdout() + ok.stderr()).not.toContain('hunter');
        expect(JSON.stringify(await auditEntries(fx.db.pool))).not.toContain('hunter');
      } finally {
        await producer.close();
        await admin.close();
        await broker.close();
      }
    },
  );
});
