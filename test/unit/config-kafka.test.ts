import { describe, expect, it } from 'vitest';
import { resolveConfigText } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors/index.js';

function config(stores: string, targets: string, retain = '{ days: 2 }'): string {
  return `
stores:
  mysql: { url: "mysql://root@127.0.0.1:3306/x" }
${stores}
policies:
  - name: events
    category: monitoring
    retain: ${retain}
    schedule: { cron: "*/10 * * * *" }
    targets:
${targets}
`;
}

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    resolveConfigText(text, 'kafka.yaml', env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('kafka configuration', () => {
  it('reads brokers from one comma-separated variable and enables the store; defaults filled in', () => {
    const c = resolveConfigText(
      config('  kafka: { brokers: "${KAFKA_BROKERS}" }', '      - { store: kafka, topic: im.events }'),
      'k.yaml',
      {
        KAFKA_BROKERS: 'a:9092, b:9093,',
      },
    );
    expect(c.stores.kafka).toMatchObject({
      brokers: ['a:9092', 'b:9093'],
      clientId: 'retention-worker',
      tls: false,
      requestTimeoutMs: 30_000,
    });
    expect(c.enabledStores.has('kafka')).toBe(true);
    expect(c.policies[0]!.targets[0]).toMatchObject({ store: 'kafka', topic: 'im.events', enforce: false, batchSize: 1000 });
  });

  it('an empty broker list disables the store', () => {
    const c = resolveConfigText(
      config('  kafka: { brokers: "${KAFKA_BROKERS-}" }', '      - { store: kafka, match: "im\\\\..*" }'),
      'k.yaml',
      {},
    );
    expect(c.enabledStores.has('kafka')).toBe(false);
  });

  it('takes TLS material and the SASL password from files, and leaves them out of the config hash', () => {
    const text = (password: string) =>
      config(
        `  kafka: { brokers: [ "k:9093" ], tls: { ca: "CA PEM" }, sasl: { mechanism: SCRAM-SHA-512, username: worker, password: "${password}" } }`,
        '      - { store: kafka, topic: t }',
      );
    const one = resolveConfigText(text('secret-1'), 'k.yaml', {});
    const two = resolveConfigText(text('secret-2'), 'k.yaml', {});
    expect(one.stores.kafka.sasl?.password).toBe('secret-1');
    expect(one.stores.kafka.tls).toMatchObject({ ca: 'CA PEM', rejectUnauthorized: true });
    expect(one.hash).toBe(two.hash);
  });

  it.each([
    ['      - { store: kafka }', 'policies[0].targets[0].topic: give exactly one of topic or match'],
    ['      - { store: kafka, topic: a, match: "b.*" }', 'policies[0].targets[0].topic: give exactly one of topic or match'],
    ['      - { store: kafka, topic: "bad topic" }', 'policies[0].targets[0].topic: must be a Kafka topic name'],
    ['      - { store: kafka, match: "(unclosed" }', 'policies[0].targets[0].match: is not a valid regular expression'],
  ])('refuses %s (exit 2, the field named)', (target, expected) => {
    expect(problems(config('  kafka: { brokers: "k:9092" }', target)).join('\n')).toContain(expected);
  });

  it('refuses broker addresses that are not host:port, and a kafka target in a subject policy', () => {
    expect(problems(config('  kafka: { brokers: "http://k:9092" }', '      - { store: kafka, topic: t }')).join('\n')).toContain(
      'stores.kafka.brokers[0]: must be host:port',
    );
    const subject = config(
      '  kafka: { brokers: "k:9092" }',
      '      - { store: kafka, topic: t }',
      '{ months: 2, after: termination }',
    ).replace(
      '    targets:',
      '    subjects: { store: mysql, table: a, id: b, status: c, terminatedValue: d, terminatedAt: e, markPurged: f }\n    targets:',
    );
    expect(problems(subject).join('\n')).toContain('policies[0].targets[0].store: kafka targets are only allowed in age policies');
  });
});
