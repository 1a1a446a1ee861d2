import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { RowDataPacket } from 'mysql2/promise';
import { fixedClock } from '../../../src/clock.js';
import { resolveConfigText, type ResolvedConfig } from '../../../src/config/load-config.js';
import { openEngine, type OpenEngine } from '../../../src/engine/open-engine.js';
import { runPolicies, type RunOptions, type SubjectPolicyRunner } from '../../../src/engine/run-policies.js';
import { StopSignal } from '../../../src/engine/stop-signal.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { runSubjectPolicy } from '../../../src/subjects/run-subject-policy.js';
import type { RunDocument } from '../../../src/types.js';
import { createTestMongoDatabase, type TestMongoDatabase } from '../../support/mongo.js';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createTestKeyspace, REDIS_TEST_URL, type TestKeyspace } from '../../support/redis.js';

export const AUDIT_KEY = 'subject-test-audit-key';
export const POLICY = 'configuration-data';

export interface EngineOptions {
  timezone?: string;
  /** Empty string: MongoDB disabled. @defaultValue the test database */
  mongoUrl?: string;
  /** @defaultValue the shared test Redis */
  redisUrl?: string;
  auditKey?: string;
  batchSize?: number;
  maxSubjectSeconds?: number;
  maxRunSeconds?: number;
  /** A PEM file for `audit.signingKey`: runs then sign checkpoints. @defaultValue none */
  signingKeyFile?: string;
}

export interface Account {
  id: string;
  status?: 'active' | 'terminated';
  terminatedAt?: Date | null;
  legalHold?: boolean;
  purgedAt?: Date | null;
}

export interface Remaining {
  mysql: number;
  mongo: number;
  redis: number;
}

/**
 * One private MariaDB database (reference tables), Redis key prefix and MongoDB (wire server) for
 * a test file, the reference configuration-data policy pointed at them, and helpers to seed
 * accounts with configuration data in every store and to look at what is left.
 */
export class SubjectFixture {
  readonly logLines: string[] = [];
  private constructor(
    readonly db: TestDatabase,
    readonly space: TestKeyspace,
    readonly mongo: TestMongoDatabase,
  ) {}

  static async create(label: string): Promise<SubjectFixture> {
    const db = await createTestDatabase(label);
    const space = await createTestKeyspace();
    const mongo = await createTestMongoDatabase(label);
    await createReferenceTables(db.pool);
    await mongo.db.collection('app_settings').createIndex({ appId: 1 });
    return new SubjectFixture(db, space, mongo);
  }

  config(options: EngineOptions = {}): ResolvedConfig {
    return resolveConfigText(this.configYaml(options), 'subject-test', {});
  }

  /** The configuration as YAML, for a file the CLI reads. */
  configYaml(options: EngineOptions = {}): string {
    const p = this.space.prefix;
    const limits = [
      options.batchSize !== undefined ? `batchSize: ${options.batchSize}` : '',
      options.maxSubjectSeconds !== undefined ? `maxSubjectSeconds: ${options.maxSubjectSeconds}` : '',
      options.maxRunSeconds !== undefined ? `maxRunSeconds: ${options.maxRunSeconds}` : '',
    ].filter(Boolean);
    const yaml = `
timezone: ${options.timezone ?? 'UTC'}
stores:
  mysql: { url: "${this.db.url}" }
  mongo: { url: "${options.mongoUrl ?? this.mongo.url}" }
  redis: { url: "${options.redisUrl ?? REDIS_TEST_URL}" }
queue: { redisUrl: "${REDIS_TEST_URL}", prefix: retention }
audit: { table: retention_audit, key: "${options.auditKey ?? AUDIT_KEY}"${options.signingKeyFile ? `, signingKey: "\${file:${options.signingKeyFile}}"` : ''} }
policies:
  - name: ${POLICY}
    category: configuration
    retain: { months: 2, after: termination }
    schedule: { cron: "17 3 * * *" }
    subjects:
      { store: mysql, table: im_account, id: app_id, status: status, terminatedValue: terminated,
        terminatedAt: terminated_at, legalHold: legal_hold, markPurged: config_purged_at${limits.map((l) => `, ${l}`).join('')} }
    targets:
      - { store: mysql, table: im_app_config, subject: app_id }
      - { store: mysql, table: im_push_certificate, subject: app_id }
      - { store: mongo, collection: app_settings, subject: appId }
      - { store: redis, type: key, match: "${p}im:cfg:<subject>" }
      - { store: redis, type: key, match: "${p}im:cfg:<subject>:*" }
`;
    return yaml;
  }

  /** A logger whose lines are kept in `logLines` (debug level), to prove what never gets logged. */
  logger(): Logger {
    const lines = this.logLines;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    return pino({ level: 'debug' }, sink);
  }

  async openEngine(
    now: Date | string,
    options: EngineOptions = {},
  ): Promise<OpenEngine & { clock: ReturnType<typeof fixedClock>; stop: StopSignal }> {
    const clock = fixedClock(now);
    const stop = new StopSignal();
    const engine = await openEngine(this.config(options), { logger: this.logger(), clock, stop, checkClockSkew: false });
    await engine.audit.migrate();
    return Object.assign(engine, { clock, stop });
  }

  run(engine: OpenEngine, options: RunOptions = {}, runner: SubjectPolicyRunner = runSubjectPolicy): Promise<RunDocument> {
    return runPolicies(engine.ctx, { policies: [POLICY], ...options }, runner);
  }

  /** Empties the accounts and every store's configuration data (the audit trail stays). */
  async reset(): Promise<void> {
    await this.db.pool.query('DELETE FROM im_account');
    await this.db.pool.query('DELETE FROM im_app_config');
    await this.db.pool.query('DELETE FROM im_push_certificate');
    await this.mongo.db.collection('app_settings').deleteMany({});
    for (const key of await this.redisKeys()) await this.space.redis.unlink(key);
  }

  async addAccounts(accounts: readonly Account[]): Promise<void> {
    const rows = accounts.map((a) => [
      BigInt(a.id),
      BigInt(a.id) % 1_000_000n,
      a.status ?? 'terminated',
      a.terminatedAt === undefined ? null : a.terminatedAt,
      a.legalHold ? 1 : 0,
      a.purgedAt ?? null,
    ]);
    for (let i = 0; i < rows.length; i += 500) {
      await this.db.pool.query('INSERT INTO im_account (app_id, uin, status, terminated_at, legal_hold, config_purged_at) VALUES ?', [
        rows.slice(i, i + 500),
      ]);
    }
  }

  /** Configuration data of each id in every store: 1 + 2 MySQL rows, 1 document, 2 Redis keys. */
  async addConfiguration(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const now = new Date('2025-01-01T00:00:00.000Z');
    const configs = ids.map((id) => [BigInt(id), `app ${id.length}`, 'https://callback.example/hook', now, now]);
    const certs = ids.flatMap((id) => [
      [BigInt(id), 'ios', 'com.example.app'],
      [BigInt(id), 'android', 'com.example.app'],
    ]);
    for (let i = 0; i < ids.length; i += 500) {
      await this.db.pool.query('INSERT INTO im_app_config (app_id, app_name, callback_url, created_at, updated_at) VALUES ?', [
        configs.slice(i, i + 500),
      ]);
      await this.db.pool.query('INSERT INTO im_push_certificate (app_id, platform, package_name) VALUES ?', [
        certs.slice(i * 2, (i + 500) * 2),
      ]);
    }
    await this.mongo.db
      .collection('app_settings')
      .insertMany(ids.map((id) => ({ appId: mongoId(id), tags: ['a', 'b'], messageSettings: { recall: true } })));
    const pipeline = this.space.redis.pipeline();
    for (const id of ids) {
      pipeline.hset(`${this.space.prefix}im:cfg:${id}`, 'name', 'app', 'callback', 'on');
      pipeline.sadd(`${this.space.prefix}im:cfg:${id}:tags`, 'a', 'b');
    }
    await pipeline.exec();
  }

  async remaining(id: string): Promise<Remaining> {
    const [a] = await this.db.pool.query<RowDataPacket[]>(
      'SELECT (SELECT COUNT(*) FROM im_app_config WHERE app_id = ?) + (SELECT COUNT(*) FROM im_push_certificate WHERE app_id = ?) AS n',
      [BigInt(id), BigInt(id)],
    );
    const mongo = await this.mongo.db.collection('app_settings').countDocuments({ appId: mongoId(id) });
    const redis =
      (await this.space.redis.exists(`${this.space.prefix}im:cfg:${id}`)) +
      (await this.space.redis.exists(`${this.space.prefix}im:cfg:${id}:tags`));
    return { mysql: Number(a[0]!.n), mongo, redis };
  }

  /** `config_purged_at` of an account. */
  async markOf(id: string): Promise<Date | null> {
    const [rows] = await this.db.pool.query<RowDataPacket[]>('SELECT config_purged_at AS m FROM im_account WHERE app_id = ?', [BigInt(id)]);
    return (rows[0]?.m as Date | null | undefined) ?? null;
  }

  async redisKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.space.redis.scan(cursor, 'MATCH', `${this.space.prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }

  /** Every stored audit row as text, to prove no subject id is in it. */
  async auditText(): Promise<string> {
    const [rows] = await this.db.pool.query<RowDataPacket[]>('SELECT * FROM retention_audit');
    return JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('utf8') : v));
  }

  async drop(): Promise<void> {
    await this.mongo.drop();
    await this.space.drop();
    await this.db.drop();
  }
}

/** As the application stores it: a number when exact, else the decimal string. */
function mongoId(id: string): number | string {
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : id;
}

/** `at` shifted by whole days and milliseconds. */
export function shift(at: Date | string, days: number, ms = 0): Date {
  return new Date(new Date(at).getTime() + days * 86_400_000 + ms);
}
