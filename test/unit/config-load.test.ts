import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import {
  configFilePath,
  DEFAULT_CONFIG_FILE,
  resolveConfig,
  resolveConfigText,
  type ResolvedConfig,
} from '../../src/config/load-config.js';
import type { MongoTargetConfig, MysqlTargetConfig, RedisTargetConfig } from '../../src/config/schema.js';

const DEFAULT_TEXT = readFileSync(DEFAULT_CONFIG_FILE, 'utf8');

const TYPICAL_ENV = {
  MYSQL_URL: 'mysql://retention:mysql-pw@db.internal:3306/im',
  MONGO_URL: 'mongodb://retention:mongo-pw@mongo.internal:27017/im',
  REDIS_URL: 'redis://:redis-pw@cache.internal:6379/0',
  HTTP_PORT: '9500',
  AUDIT_KEY: 'audit-key-1',
};

/** The default configuration resolved with an environment (no file system, no process.env). */
function resolveDefault(env: Record<string, string>): ResolvedConfig {
  return resolveConfigText(DEFAULT_TEXT, DEFAULT_CONFIG_FILE, env);
}

const MINIMAL = `
stores:
  mysql: { url: "mysql://root@127.0.0.1:3306/im" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
      - { store: mongo, collection: request_logs, time: requestedAt }
      - { store: redis, type: sorted-set, match: "im:reqlog:*" }
`;

function mysqlTarget(config: ResolvedConfig, policy: number, target: number): MysqlTargetConfig {
  const t = config.policies[policy]!.targets[target]!;
  if (t.store !== 'mysql') throw new Error(`target ${policy}/${target} is ${t.store}`);
  return t;
}

describe('the default configuration', () => {
  it('loads from config/retention.yaml with a typical environment, taking every URL and number from it', () => {
    const config = resolveConfig({ env: TYPICAL_ENV });
    expect(config.source).toBe(DEFAULT_CONFIG_FILE);
    expect(config.stores.mysql.url).toBe(TYPICAL_ENV.MYSQL_URL);
    expect(config.stores.mongo.url).toBe(TYPICAL_ENV.MONGO_URL);
    expect(config.stores.redis.url).toBe(TYPICAL_ENV.REDIS_URL);
    expect(config.queue.redisUrl).toBe(TYPICAL_ENV.REDIS_URL);
    expect(config.http.port).toBe(9500);
    expect(config.audit.key).toBe('audit-key-1');
    expect([...config.enabledStores].sort()).toEqual(['mongo', 'mysql', 'redis']);
    expect(config.policies.map((p) => p.name)).toEqual(['log-data', 'monitoring-data', 'configuration-data']);
  });

  it('loads with an empty environment, every ${VAR-default} taking its default', () => {
    const config = resolveDefault({});
    expect(config.stores.mysql.url).toBe('mysql://root@127.0.0.1:3306/im');
    expect(config.stores.mongo.url).toBe('mongodb://127.0.0.1:27017/im');
    expect(config.stores.redis.url).toBe('redis://127.0.0.1:6379/0');
    expect(config.queue.redisUrl).toBe('redis://127.0.0.1:6379/0');
    expect(config.http.port).toBe(9464);
    expect(config.audit.key).toBe('');
    expect([...config.enabledStores].sort()).toEqual(['mongo', 'mysql', 'redis']);
  });

  it('reads the reference data model: retention rules, subjects and the key-name time of monitoring keys', () => {
    const config = resolveDefault({});
    const [log, monitoring, configuration] = config.policies;
    expect(log!.retain).toEqual({ days: 7 });
    expect(monitoring!.retain).toEqual({ days: 2 });
    expect(configuration!.retain).toEqual({ months: 2, after: 'termination' });
    expect(configuration!.subjects).toMatchObject({
      table: 'im_account',
      id: 'app_id',
      legalHold: 'legal_hold',
      markPurged: 'config_purged_at',
    });
    const monitoringKeys = monitoring!.targets[2] as RedisTargetConfig;
    expect(monitoringKeys.time).toEqual({ fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' });
  });
});

describe('disabling a store with an empty URL', () => {
  it('MONGO_URL="" disables MongoDB and nothing else', () => {
    const config = resolveDefault({ MONGO_URL: '' });
    expect(config.stores.mongo.url).toBe('');
    expect([...config.enabledStores].sort()).toEqual(['mysql', 'redis']);
  });

  it('REDIS_URL="" disables Redis, and the queue falls back to its default URL', () => {
    const config = resolveDefault({ REDIS_URL: '' });
    expect(config.stores.redis.url).toBe('');
    expect([...config.enabledStores].sort()).toEqual(['mongo', 'mysql']);
    expect(config.queue.redisUrl).toBe('redis://127.0.0.1:6379/0');
  });

  it('a configuration without mongo and redis sections has only MySQL', () => {
    const config = resolveConfigText(MINIMAL, 'minimal.yaml', {});
    expect([...config.enabledStores]).toEqual(['mysql']);
  });

  it('a Redis Cluster given by nodes enables Redis', () => {
    const text = MINIMAL.replace('stores:\n', 'stores:\n  redis: { nodes: ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"] }\n');
    expect(resolveConfigText(text, 'cluster.yaml', {}).enabledStores.has('redis')).toBe(true);
  });

  it('MYSQL_URL="" is a configuration error: MySQL cannot be disabled', () => {
    expect(() => resolveDefault({ MYSQL_URL: '' })).toThrow(/stores\.mysql\.url: must not be empty/);
  });
});

describe('the queue URL', () => {
  it('is QUEUE_REDIS_URL when it is set', () => {
    const config = resolveDefault({ QUEUE_REDIS_URL: 'redis://queue:6379/2', REDIS_URL: 'redis://cache:6379/0' });
    expect(config.queue.redisUrl).toBe('redis://queue:6379/2');
    expect(config.stores.redis.url).toBe('redis://cache:6379/0');
  });

  it('is REDIS_URL when QUEUE_REDIS_URL is unset or empty', () => {
    expect(resolveDefault({ REDIS_URL: 'redis://cache:6379/0' }).queue.redisUrl).toBe('redis://cache:6379/0');
    expect(resolveDefault({ QUEUE_REDIS_URL: '', REDIS_URL: 'redis://cache:6379/0' }).queue.redisUrl).toBe('redis://cache:6379/0');
  });

  it('is the default when neither is set', () => {
    expect(resolveDefault({}).queue.redisUrl).toBe('redis://127.0.0.1:6379/0');
  });

  it('defaults when a queue section omits it', () => {
    const config = resolveConfigText(`${MINIMAL}queue: { prefix: jobs }\n`, 'queue.yaml', {});
    expect(config.queue).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379/0', prefix: 'jobs', attempts: 3 });
  });
});

describe('which file is read', () => {
  let dir: string;
  let fromFlag: string;
  let fromEnv: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'retention-config-'));
    fromFlag = join(dir, 'flag.yaml');
    fromEnv = join(dir, 'env.yaml');
    writeFileSync(fromFlag, MINIMAL.replace('name: log-data', 'name: from-flag'));
    writeFileSync(fromEnv, MINIMAL.replace('name: log-data', 'name: from-env'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--config wins over RETENTION_CONFIG', () => {
    const config = resolveConfig({ file: fromFlag, env: { RETENTION_CONFIG: fromEnv } });
    expect(config.source).toBe(fromFlag);
    expect(config.policies[0]!.name).toBe('from-flag');
  });

  it('RETENTION_CONFIG wins over the default path', () => {
    const config = resolveConfig({ env: { RETENTION_CONFIG: fromEnv } });
    expect(config.source).toBe(fromEnv);
    expect(config.policies[0]!.name).toBe('from-env');
  });

  it('the default path is used when neither is given, or RETENTION_CONFIG is empty', () => {
    expect(configFilePath({ env: {} })).toBe('config/retention.yaml');
    expect(configFilePath({ env: { RETENTION_CONFIG: '' } })).toBe('config/retention.yaml');
    expect(resolveConfig({ env: {} }).source).toBe('config/retention.yaml');
  });

  it('a file that cannot be read is a ConfigError naming it', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => resolveConfig({ file: missing, env: {} })).toThrow(ConfigError);
    expect(() => resolveConfig({ file: missing, env: {} })).toThrow(`cannot read configuration file ${missing} (ENOENT)`);
  });
});

describe('coercion of values that arrive as strings', () => {
  it('turns HTTP_PORT into a number', () => {
    const config = resolveDefault({ HTTP_PORT: '8080' });
    expect(config.http.port).toBe(8080);
    expect(typeof config.http.port).toBe('number');
  });

  it('turns numeric and boolean strings of a target and policy into numbers and booleans', () => {
    const text = MINIMAL.replace('time: requested_at }', 'time: requested_at, batchSize: "${BATCH}", pauseMs: "25" }').replace(
      'category: log',
      'category: log\n    enabled: "${ENABLED}"\n    maxDeleteFraction: "0.25"',
    );
    const config = resolveConfigText(text, 'strings.yaml', { BATCH: '250', ENABLED: 'false' });
    expect(mysqlTarget(config, 0, 0)).toMatchObject({ batchSize: 250, pauseMs: 25 });
    expect(config.policies[0]!.enabled).toBe(false);
    expect(config.policies[0]!.maxDeleteFraction).toBe(0.25);
  });

  it('refuses an empty string where a number belongs', () => {
    expect(() => resolveDefault({ HTTP_PORT: '' })).toThrow(/http\.port: /);
  });
});

describe('the resolved configuration', () => {
  it('is frozen all the way down', () => {
    const config = resolveDefault({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.stores.mysql)).toBe(true);
    expect(Object.isFrozen(config.policies)).toBe(true);
    expect(Object.isFrozen(config.policies[0]!.targets[0])).toBe(true);
    expect(Object.isFrozen(config.policies[2]!.subjects)).toBe(true);
    expect(() => {
      (config.policies[0]!.retain as { days?: number }).days = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.policies as unknown[]).push({});
    }).toThrow(TypeError);
  });
});

describe('the configuration hash', () => {
  it('is a SHA-256 hex digest, the same for equal configurations', () => {
    const a = resolveDefault(TYPICAL_ENV);
    const b = resolveDefault({ ...TYPICAL_ENV });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
  });

  it('does not depend on the order of keys in the file', () => {
    const reordered = MINIMAL.replace(
      '{ store: mysql, table: im_request_log, time: requested_at }',
      '{ time: requested_at, table: im_request_log, store: mysql }',
    );
    expect(resolveConfigText(reordered, 'b.yaml', {}).hash).toBe(resolveConfigText(MINIMAL, 'a.yaml', {}).hash);
  });

  it('changes when a policy changes', () => {
    const base = resolveDefault(TYPICAL_ENV).hash;
    const longer = resolveConfigText(DEFAULT_TEXT.replace('retain: { days: 7 }', 'retain: { days: 8 }'), 'x.yaml', TYPICAL_ENV).hash;
    const batch = resolveConfigText(
      DEFAULT_TEXT.replace('table: im_request_log, time: requested_at }', 'table: im_request_log, time: requested_at, batchSize: 500 }'),
      'x.yaml',
      TYPICAL_ENV,
    ).hash;
    expect(longer).not.toBe(base);
    expect(batch).not.toBe(base);
    expect(batch).not.toBe(longer);
  });

  it('does not change when only a URL password changes', () => {
    const base = resolveDefault(TYPICAL_ENV).hash;
    const rotated = resolveDefault({
      ...TYPICAL_ENV,
      MYSQL_URL: 'mysql://retention:rotated@db.internal:3306/im',
      MONGO_URL: 'mongodb://retention:rotated@mongo.internal:27017/im',
      REDIS_URL: 'redis://:rotated@cache.internal:6379/0',
    }).hash;
    expect(rotated).toBe(base);
  });

  it('does not change when only the audit key changes', () => {
    expect(resolveDefault({ ...TYPICAL_ENV, AUDIT_KEY: 'audit-key-2' }).hash).toBe(resolveDefault(TYPICAL_ENV).hash);
  });

  it('changes when a store points at another database (which database was purged is not a secret)', () => {
    const other = resolveDefault({ ...TYPICAL_ENV, MYSQL_URL: 'mysql://retention:mysql-pw@db.internal:3306/other' }).hash;
    expect(other).not.toBe(resolveDefault(TYPICAL_ENV).hash);
  });

  it('changes when a store is disabled', () => {
    expect(resolveDefault({ ...TYPICAL_ENV, MONGO_URL: '' }).hash).not.toBe(resolveDefault(TYPICAL_ENV).hash);
  });
});

describe('defaults', () => {
  const config = resolveConfigText(MINIMAL, 'minimal.yaml', {});

  it('fills every section left out', () => {
    expect(config.timezone).toBe('UTC');
    expect(config.stores.mysql).toEqual({
      url: 'mysql://root@127.0.0.1:3306/im',
      replicas: [],
      maxReplicaLagSeconds: 10,
      lockWaitTimeoutSeconds: 2,
      metadataLockWaitTimeoutSeconds: 5,
      adaptiveBatchSize: false,
      queryTimeoutMs: 60_000,
    });
    expect(config.stores.mongo).toEqual({ url: '', socketTimeoutMs: 60_000 });
    expect(config.stores.redis).toEqual({ commandTimeoutMs: 10_000 });
    expect(config.queue).toEqual({
      redisUrl: 'redis://127.0.0.1:6379/0',
      prefix: 'retention',
      attempts: 3,
      backoffMs: 30_000,
      keepJobsSeconds: 604_800,
      resumeWindowSeconds: 86_400,
      concurrency: 2,
      progressLogSeconds: 30,
    });
    expect(config.http).toEqual({ port: 9464 });
    expect(config.safety).toEqual({ maxClockSkewSeconds: 60, stopGraceSeconds: 10 });
    expect(config.audit).toEqual({
      table: 'retention_audit',
      key: '',
      progressEverySeconds: 10,
      progressEveryRecords: 10_000,
      appendRetrySeconds: 30,
      signingKey: '',
      checkpoints: { sinks: [] },
    });
    expect(config.report).toEqual({ intervalSeconds: 300 });
    expect(config.console).toEqual({ enabled: false, host: '127.0.0.1', port: 9465, token: '', username: '', password: '' });
  });

  it('gives a policy enabled: true and no maxDeleteFraction', () => {
    expect(config.policies[0]!.enabled).toBe(true);
    expect(config.policies[0]!.maxDeleteFraction).toBeUndefined();
  });

  it('gives targets batchSize 1000, pauseMs 0, maxRunSeconds 600 and their store-specific defaults', () => {
    const [mysql, mongo, redis] = config.policies[0]!.targets as [MysqlTargetConfig, MongoTargetConfig, RedisTargetConfig];
    expect(mysql).toEqual({
      store: 'mysql',
      table: 'im_request_log',
      time: 'requested_at',
      timeFormat: 'datetime',
      batchSize: 1000,
      pauseMs: 0,
      maxRunSeconds: 600,
    });
    expect(mongo).toMatchObject({ timeFormat: 'datetime', createIndex: false, batchSize: 1000, pauseMs: 0, maxRunSeconds: 600 });
    expect(redis).toMatchObject({ allowBroadMatch: false, scanCount: 1000, batchSize: 1000, pauseMs: 0, maxRunSeconds: 600 });
  });

  it('gives Redis key targets batchSize 5000 and sorted sets and streams 1000; a batchSize set in the file wins', () => {
    const text = MINIMAL.replace(
      '      - { store: redis, type: sorted-set, match: "im:reqlog:*" }',
      [
        '      - { store: redis, type: sorted-set, match: "im:reqlog:*" }',
        '      - { store: redis, type: stream, match: "im:exception:*" }',
        '      - { store: redis, type: key, match: "im:mon:*", time: { fromKey: "(\\\\d{12})$", format: yyyyMMddHHmm } }',
        '      - { store: redis, type: key, match: "im:other:*", time: { fromKey: "(\\\\d{12})$", format: yyyyMMddHHmm }, batchSize: 1000 }',
      ].join('\n'),
    );
    const targets = resolveConfigText(text, 'test.yaml', {}).policies[0]!.targets.slice(2) as RedisTargetConfig[];
    expect(targets.map((t) => [t.type, t.batchSize])).toEqual([
      ['sorted-set', 1000],
      ['stream', 1000],
      ['key', 5000],
      ['key', 1000],
    ]);
    expect(targets[2]).toMatchObject({ scanCount: 1000, pauseMs: 0, maxRunSeconds: 600 });
  });

  it('gives a subject source batchSize 100, maxSubjectSeconds 30 and maxRunSeconds 1800', () => {
    const subjects = resolveDefault({}).policies[2]!.subjects!;
    expect(subjects).toMatchObject({ batchSize: 100, maxSubjectSeconds: 30, maxRunSeconds: 1800 });
  });
});

describe('audit.signingKey and audit.checkpoints', () => {
  const base = (audit: string) => `
stores:
  mysql: { url: "mysql://root@127.0.0.1:3306/im" }
audit: ${audit}
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
`;
  const issues = (audit: string, env: Record<string, string> = {}) => {
    try {
      resolveConfigText(base(audit), 'test.yaml', env);
      return [];
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };

  it('takes an Ed25519 key and sinks with their defaults', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = resolveConfigText(
      base(
        '{ signingKey: "${KEY}", checkpoints: { sinks: [{ type: s3, bucket: b }, { type: webhook, url: "https://x.example/h" }, { type: file, path: /w/c.jsonl }] } }',
      ),
      'test.yaml',
      { KEY: pem },
    );
    expect(config.audit.checkpoints.sinks).toEqual([
      { type: 's3', bucket: 'b', prefix: 'retention-checkpoints/', region: 'us-east-1', forcePathStyle: false },
      { type: 'webhook', url: 'https://x.example/h', headers: {}, timeoutMs: 5000 },
      { type: 'file', path: '/w/c.jsonl' },
    ]);
  });

  it('refuses a key that is not Ed25519, sinks without a key, and two sinks of one name, naming each field', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const found = issues('{ signingKey: "${KEY}" }', { KEY: rsa });
    expect(found).toEqual([expect.stringMatching(/^audit\.signingKey: is a key of type rsa; .*Ed25519/)]);
    expect(found.join('\n')).not.toContain(rsa.split('\n')[1]!);
    expect(issues('{ signingKey: "not a pem" }')).toEqual([expect.stringMatching(/^audit\.signingKey: is not a PEM private key/)]);
    expect(issues('{ checkpoints: { sinks: [{ type: file, path: /x }] } }')).toEqual([
      expect.stringMatching(/^audit\.checkpoints\.sinks: needs audit\.signingKey/),
    ]);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(
      issues('{ signingKey: "${KEY}", checkpoints: { sinks: [{ type: file, path: /x }, { type: file, path: /y }] } }', { KEY: ed }),
    ).toEqual([expect.stringMatching(/^audit\.checkpoints\.sinks\[1\]\.name: sink name "file" is used twice/)]);
  });
});
