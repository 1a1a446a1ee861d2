import { z } from 'zod';
import { IANAZone } from 'luxon';
import { CronExpressionParser } from 'cron-parser';
import { checkPolicy } from './check-policy.js';
import { checkCrossReferences } from './check-cross-references.js';
import { DEFAULT_QUEUE_PREFIX } from './defaults.js';
import { parseEd25519PrivateKey } from './signing-key-pem.js';

/** A plain SQL/document identifier: letters, digits and `_`, not starting with a digit, at most 64 characters. */
export const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const IDENTIFIER_MESSAGE =
  'must be a plain identifier (letters, digits and _, not starting with a digit, at most 64 characters; no quotes, spaces, dots or punctuation)';

const identifier = z.string().regex(PLAIN_IDENTIFIER, IDENTIFIER_MESSAGE);

/**
 * The longest `audit.table`: MySQL names stop at 64 characters and the head and checkpoint tables add `_head` and `_ckpt`
 * (src/audit/audit-tables.ts, which config may not import; a test keeps the two in step).
 */
export const AUDIT_TABLE_MAX_LENGTH = 64 - '_head'.length;

/** Numbers may arrive as strings after `${VAR}` expansion: "9464" → 9464, "" stays invalid. */
function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v), schema);
}
function boolish<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), schema);
}

const positiveInt = numeric(z.number().int().positive());
const nonNegativeInt = numeric(z.number().int().nonnegative());

const zone = z.string().refine((tz) => IANAZone.isValidZone(tz), { message: 'is not a valid IANA time zone' });

/** `batchSize` of every target but Redis `key` targets. */
const DEFAULT_BATCH_SIZE = 1000;
const batchSize = positiveInt.pipe(z.number().max(100_000));
/** `batchSize` of Redis `key` targets (see the Redis target's `batchSize`). */
const REDIS_KEY_BATCH_SIZE = 5000;

/** Per-target tuning shared by every store. Defaults suit a busy production database. */
const tuning = {
  /** Records per batch (one statement / command). @defaultValue 1000 */
  batchSize: batchSize.default(DEFAULT_BATCH_SIZE),
  /** Pause between batches, in ms (at most a minute). @defaultValue 0 (measured: sleeping buys no foreground p99) */
  pauseMs: nonNegativeInt.pipe(z.number().max(60_000, 'must be at most 60000 (one minute)')).default(0),
  /** Time budget of one target in one run (at most a day); the target is then `partial` and the next run carries on. @defaultValue 600 */
  maxRunSeconds: positiveInt.pipe(z.number().max(86_400, 'must be at most 86400 (one day)')).default(600),
};

const timeFormat = z.enum(['datetime', 'epoch_ms', 'epoch_s']).default('datetime');

/** What an age purge does with a table RANGE-partitioned by its time column (docs/configuration.md). */
const mysqlPartitions = z.strictObject({
  /** `drop` (DROP PARTITION), `truncate` (TRUNCATE PARTITION) fully due partitions, or `off`: rows only. @defaultValue drop */
  action: z.enum(['drop', 'truncate', 'off']).default('drop'),
  /** Session `lock_wait_timeout` of the partition DDL, seconds: give up rather than queue the table behind it. @defaultValue 1 */
  lockWaitSeconds: positiveInt.pipe(z.number().max(60)).default(1),
  /**
   * Wholly due partitions counted at once, each on its own connection of the store's pool. One
   * leaves the application a core on a small host and counted as fast in the 10 M-row bench.
   * @defaultValue 1
   */
  countConcurrency: positiveInt.pipe(z.number().max(8)).default(1),
  /**
   * Least time, ms, between two of the partition DDL's statements that lock the table (one
   * exchange per partition, then the drop), so that queries queued behind one run before the next.
   * @defaultValue 20
   */
  ddlPauseMs: nonNegativeInt.pipe(z.number().max(10_000)).default(20),
  /**
   * Remove each partition by `EXCHANGE PARTITION` with an empty staging table (the table held a
   * few ms per partition; needs CREATE and DROP on the database), or, `false`, all of them in one
   * `DROP`/`TRUNCATE PARTITION` (faster; one longer hold, growing with the partitions' size).
   * @defaultValue true
   */
  exchange: boolish(z.boolean()).default(true),
  /** Future partitions to keep split off the MAXVALUE partition. @defaultValue 0 (none) */
  premake: nonNegativeInt.pipe(z.number().max(366)).default(0),
  /** Width of a pre-made partition (UTC). @defaultValue day */
  interval: z.enum(['day', 'week', 'month']).default('day'),
});

const mysqlTarget = z.strictObject({
  store: z.literal('mysql'),
  table: identifier,
  /** Age policies: the time column. */
  time: identifier.optional(),
  /** Subject policies: the subject column. */
  subject: identifier.optional(),
  timeFormat,
  /** Partition handling of age purges; defaults apply when absent. */
  partitions: mysqlPartitions.optional(),
  ...tuning,
});

const mongoTarget = z.strictObject({
  store: z.literal('mongo'),
  collection: identifier,
  time: identifier.optional(),
  subject: identifier.optional(),
  timeFormat,
  /** Create the time-field index when it is missing instead of refusing the target. @defaultValue false */
  createIndex: boolish(z.boolean()).default(false),
  /** Age policies: create a TTL index on the time field expiring at the promise, when none at or under it exists. @defaultValue false */
  ttlIndex: boolish(z.boolean()).optional(),
  ...tuning,
});

const redisTime = z.union(
  [
    z.strictObject({
      /** A regular expression whose first capture group (or whole match) is the time in the key name. */
      fromKey: z.string().refine(isValidRegex, { message: 'is not a valid regular expression' }),
      /** luxon format of that text, read in the policy's time zone. */
      format: z.string().min(1),
    }),
    z.strictObject({
      /** The hash field holding the time. */
      fromField: z.string().min(1),
      format: z.enum(['epoch_ms', 'epoch_s', 'iso']),
    }),
  ],
  {
    error:
      'must be { fromKey: <regular expression>, format: <luxon format> } or { fromField: <hash field>, format: epoch_ms | epoch_s | iso }',
  },
);

const redisTarget = z
  .strictObject({
    store: z.literal('redis'),
    type: z.enum(['sorted-set', 'stream', 'key']),
    /** A SCAN MATCH glob; in subject policies `<subject>` stands for the glob-escaped subject id. */
    match: z.string().min(1),
    time: redisTime.optional(),
    /** Allow a `match` with no literal prefix before its first wildcard. @defaultValue false */
    allowBroadMatch: boolish(z.boolean()).default(false),
    /** SCAN COUNT hint. @defaultValue 1000 */
    scanCount: positiveInt.default(1000),
    /**
     * Key targets timed by a sortable name (`<literal>(\d{N})$`, `yyyyMMdd…`, UTC or a fixed
     * offset) on a single server: `true` lets Redis judge and unlink each SCAN page in a Lua
     * script, so key names never cross the network; `false` judges them in the worker, where they
     * lie in each SCAN reply on a connection of the walk's own (less work for Redis, and faster:
     * docs/benchmarks.md, "Redis keys judged in place"). @defaultValue false
     */
    judgeOnServer: boolish(z.boolean()).default(false),
    ...tuning,
    /**
     * Records per batch; for `key` targets, keys. The engine checks the policy lock once per batch
     * and that check cost the worker about 0.2 ms, a tenth of a SCAN page's time: key targets take
     * about five pages per batch (each SCAN still reads one page of `scanCount`).
     * @defaultValue 5000 for `key` targets, else 1000
     */
    batchSize: batchSize.optional(),
  })
  .transform((t) => ({ ...t, batchSize: t.batchSize ?? (t.type === 'key' ? REDIS_KEY_BATCH_SIZE : DEFAULT_BATCH_SIZE) }));

const s3Time = z.union(
  [
    z.literal('lastModified'),
    z.strictObject({
      /** A regular expression whose first capture group (or whole match) is the time in the object key. */
      fromKey: z.string().refine(isValidRegex, { message: 'is not a valid regular expression' }),
      /** luxon format of that text, read in the configured time zone. */
      format: z.string().min(1),
      /**
       * Keys sort in time order (the time leads the key after the prefix, `logs/2026/11/28/…`): a
       * run lists from the start and stops at the first key not due, so it costs O(due), not
       * O(bucket). The format must be fixed-width, largest unit first. @defaultValue false
       */
      keysInTimeOrder: boolish(z.boolean()).default(false),
    }),
  ],
  { error: 'must be lastModified or { fromKey: <regular expression>, format: <luxon format>, keysInTimeOrder?: boolean }' },
);

const s3Target = z.strictObject({
  store: z.literal('s3'),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lower-case letters, digits, dots and dashes)'),
  /** Key prefix the target covers; in subject policies `<subject>` stands for the subject id (`config/<subject>/`). */
  prefix: z.string().default(''),
  /** Age policies: `lastModified` (the object's time on the server) or the time in the key. */
  time: s3Time.optional(),
  /** Delete every version of a due key (ListObjectVersions), not only the current one. @defaultValue false */
  allVersions: boolish(z.boolean()).default(false),
  /** Allow an empty prefix (the whole bucket). @defaultValue false */
  allowBroadMatch: boolish(z.boolean()).default(false),
  ...tuning,
  /** Keys per batch: one listing page and one DeleteObjects request (S3 takes at most 1000). @defaultValue 1000 */
  batchSize: positiveInt.pipe(z.number().max(1000)).default(1000),
});

/** A legal Kafka topic name: letters, digits, `.`, `_` and `-`, at most 249 characters. */
export const KAFKA_TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

const kafkaTarget = z.strictObject({
  store: z.literal('kafka'),
  /** One topic, by name. Exactly one of `topic` and `match`. */
  topic: z.string().regex(KAFKA_TOPIC_NAME, 'must be a Kafka topic name (letters, digits, ., _ and -; at most 249)').optional(),
  /** A regular expression matched against whole topic names (anchored). */
  match: z.string().min(1).refine(isValidRegex, { message: 'is not a valid regular expression' }).optional(),
  /** Set each topic's `retention.ms` to the promise when it is longer, unset or the topic is compact-only. @defaultValue false */
  enforce: boolish(z.boolean()).default(false),
  ...tuning,
});

const target = z.discriminatedUnion('store', [mysqlTarget, mongoTarget, redisTarget, s3Target, kafkaTarget]);

const retain = z
  .strictObject({
    days: positiveInt.optional(),
    hours: positiveInt.optional(),
    months: positiveInt.optional(),
    /** `termination`: the duration counts from each subject's termination, not from the record's time. */
    after: z.literal('termination').optional(),
  })
  .refine((r) => [r.days, r.hours, r.months].filter((v) => v !== undefined).length === 1, {
    message: 'needs exactly one of days, hours or months',
  });

const subjects = z.strictObject({
  store: z.literal('mysql'),
  table: identifier,
  id: identifier,
  status: identifier,
  terminatedValue: z.string().min(1),
  terminatedAt: identifier,
  legalHold: identifier.optional(),
  markPurged: identifier,
  /** Subjects handled per batch (one Redis SCAN pass, one claim). @defaultValue 100 */
  batchSize: positiveInt.default(100),
  /** Time limit of one subject's purge, while its account row is locked. @defaultValue 30 */
  maxSubjectSeconds: positiveInt.default(30),
  /** Time budget of the whole policy run; the rest is `deferred`. @defaultValue 1800 */
  maxRunSeconds: positiveInt.pipe(z.number().max(86_400, 'must be at most 86400 (one day)')).default(1800),
});

const cron = z.string().refine(
  (c) => {
    try {
      CronExpressionParser.parse(c);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid cron expression' },
);

const policy = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
    category: z.string().min(1),
    retain,
    schedule: z.strictObject({ cron }),
    enabled: boolish(z.boolean()).default(true),
    /** Refuse a target when one run would delete more than this fraction of it (unless `--allow-large`). */
    maxDeleteFraction: numeric(z.number().gt(0).max(1)).optional(),
    subjects: subjects.optional(),
    targets: z.array(target).min(1, 'needs at least one target'),
  })
  // Runs even when parts of the policy failed to parse (`when`), so every problem is reported at once.
  .superRefine((p, ctx) => checkPolicy(p, (path, message) => ctx.addIssue({ code: 'custom', path, message })), { when: () => true });

const mysqlStore = z.strictObject({
  url: z.string().min(1, 'must not be empty: MySQL holds the audit trail and cannot be disabled'),
  /** Replica URLs whose lag is checked between chunks. */
  replicas: z.array(z.string().min(1)).default([]),
  /** Wait between chunks while a replica lags more than this. @defaultValue 10 */
  maxReplicaLagSeconds: positiveInt.default(10),
  /** Session `innodb_lock_wait_timeout` (seconds). @defaultValue 2 */
  lockWaitTimeoutSeconds: positiveInt.default(2),
  /** Session `lock_wait_timeout` for metadata locks (seconds). @defaultValue 5 */
  metadataLockWaitTimeoutSeconds: positiveInt.default(5),
  /**
   * Size purge chunks by measured server time (growing up to 10 × batchSize while chunks are fast)
   * instead of fixed `batchSize` chunks. Faster, and harder on foreground latency: measured 2.4×
   * pt-archiver's rows/s with batchSize 5000, but a foreground p99 1.3–1.4× pt-archiver's, where
   * fixed 1000-row chunks give 1.9× at 1.16× (docs/benchmarks.md). @defaultValue false
   */
  adaptiveBatchSize: boolish(z.boolean()).default(false),
  /** Client-side limit of one statement (mysql2 query `timeout`), ms: a hung server fails the call instead of the run. @defaultValue 60000 */
  queryTimeoutMs: positiveInt.default(60_000),
});

const mongoStore = z.strictObject({
  url: z.string().default(''),
  /** Driver `socketTimeoutMS`: a socket silent this long fails the operation. @defaultValue 60000 */
  socketTimeoutMs: positiveInt.default(60_000),
});

const redisStore = z
  .strictObject({
    url: z.string().optional(),
    nodes: z.array(z.string().min(1)).optional(),
    /** ioredis `commandTimeout`: a command without a reply this long fails (a stalled server). @defaultValue 10000 */
    commandTimeoutMs: positiveInt.default(10_000),
  })
  .refine((r) => !(r.url && r.nodes && r.nodes.length > 0), { message: 'give either url or nodes, not both' });

const s3Store = z.strictObject({
  /** The S3 API endpoint (COS: `https://cos.<region>.myqcloud.com`); '' = AWS's own for the region. */
  endpoint: z.string().default(''),
  /** Region; '' (with an empty endpoint too) disables the store. */
  region: z.string().default(''),
  /** Path-style addressing (`endpoint/bucket/key`), as most S3-compatible servers need. @defaultValue false */
  forcePathStyle: boolish(z.boolean()).default(false),
  /** Credentials; empty = the AWS SDK's default chain (`AWS_ACCESS_KEY_ID`…, profile, instance role). Use `${file:…}`. */
  accessKeyId: z.string().default(''),
  secretAccessKey: z.string().default(''),
  sessionToken: z.string().default(''),
});

/** `a:9092,b:9092` (as one `${VAR}` expands) or a YAML list; blanks dropped. */
const brokerList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== '')
      : v,
  z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')),
);

const kafkaStore = z.strictObject({
  /** Bootstrap brokers, `host:port`; empty disables the store. @defaultValue [] */
  brokers: brokerList.default([]),
  /** @defaultValue `retention-worker` */
  clientId: z.string().min(1).default('retention-worker'),
  /** TLS: `true` (system CAs), or PEM contents (e.g. `${file:/run/secrets/kafka-ca.pem}`). @defaultValue false */
  tls: z
    .union([
      boolish(z.boolean()),
      z.strictObject({
        ca: z.string().min(1).optional(),
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
        /** @defaultValue true */
        rejectUnauthorized: boolish(z.boolean()).default(true),
      }),
    ])
    .default(false),
  /** SASL; the password by `${file:…}` or `${VAR}`. */
  sasl: z
    .strictObject({
      mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
      username: z.string().min(1),
      password: z.string().min(1),
    })
    .optional(),
  /** Time limit of one request to a broker, in ms. @defaultValue 30000 */
  requestTimeoutMs: positiveInt.default(30_000),
});

/** `audit.checkpoints.sinks[]`: where signed checkpoints are written besides the checkpoint table. */
const sinkName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be lower-case letters, digits, _ or - (at most 32)');
const checkpointSink = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file'),
    /** Metric label and log field; unique among the sinks. @defaultValue the type */
    name: sinkName.optional(),
    /** Opened with O_APPEND for every checkpoint; one JSON line each. Meant for a WORM-mounted volume. */
    path: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('s3'),
    name: sinkName.optional(),
    bucket: z.string().min(1),
    /** Object key prefix. @defaultValue 'retention-checkpoints/' */
    prefix: z.string().default('retention-checkpoints/'),
    /** An S3-compatible endpoint (IBM COS, MinIO, Ceph); none = AWS. */
    endpoint: z.string().optional(),
    /** @defaultValue 'us-east-1' */
    region: z.string().min(1).default('us-east-1'),
    /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. @defaultValue false */
    forcePathStyle: boolish(z.boolean()).default(false),
    /** Static credentials; without them the AWS SDK's default chain (env, profile, instance role). */
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    /** Passed through as ObjectLockMode and ObjectLockRetainUntilDate (bucket must have object lock). */
    objectLock: z.strictObject({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE']), retainDays: positiveInt }).optional(),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    name: sinkName.optional(),
    /** Receives `POST` with the checkpoint as JSON; any 2xx is success. */
    url: z.string().url(),
    /** Extra request headers (e.g. Authorization); never logged. */
    headers: z.record(z.string(), z.string()).default({}),
    /** @defaultValue 5000 */
    timeoutMs: positiveInt.default(5000),
  }),
]);

const auditSigning = {
  /** PEM Ed25519 private key (normally `${file:…}`) that signs checkpoints and certificates; '' = none. */
  signingKey: z.string().default(''),
  checkpoints: z.strictObject({ sinks: z.array(checkpointSink).default([]) }).prefault({}),
};

function checkAuditSigning(
  audit: { signingKey: string; checkpoints: { sinks: ReadonlyArray<{ type: string; name?: string | undefined }> } },
  ctx: z.RefinementCtx,
): void {
  if (audit.signingKey !== '') {
    const parsed = parseEd25519PrivateKey(audit.signingKey);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', path: ['signingKey'], message: parsed.problem });
  } else if (audit.checkpoints.sinks.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['checkpoints', 'sinks'],
      message: 'needs audit.signingKey: only signed checkpoints are written to sinks',
    });
  }
  const seen = new Set<string>();
  audit.checkpoints.sinks.forEach((sink, i) => {
    const name = sink.name ?? sink.type;
    if (seen.has(name))
      ctx.addIssue({
        code: 'custom',
        path: ['checkpoints', 'sinks', i, 'name'],
        message: `sink name "${name}" is used twice; give each sink its own name`,
      });
    seen.add(name);
  });
}

export const configSchema = z
  .strictObject({
    timezone: zone.default('UTC'),
    stores: z.strictObject({
      mysql: mysqlStore,
      mongo: mongoStore.prefault({}),
      redis: redisStore.prefault({}),
      kafka: kafkaStore.prefault({}),
      s3: s3Store.prefault({}),
    }),
    queue: z
      .strictObject({
        /** The queue's Redis. @defaultValue `redis://127.0.0.1:6379/0` */
        redisUrl: z.string().min(1, 'must not be empty').default('redis://127.0.0.1:6379/0'),
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -')
          .default(DEFAULT_QUEUE_PREFIX),
        /** Attempts of a failed target job (refusals are never retried). @defaultValue 3 */
        attempts: positiveInt.default(3),
        /** First retry delay, doubled each attempt. @defaultValue 30000 */
        backoffMs: positiveInt.default(30_000),
        /** Completed and failed jobs are kept this long. @defaultValue 604800 (7 days) */
        keepJobsSeconds: positiveInt.default(604_800),
        /**
         * A job whose run was evaluated longer ago than this is refused (a replayed or long-stuck
         * payload); a resumed run must be picked up within it. @defaultValue 86400 (1 day)
         */
        resumeWindowSeconds: positiveInt.pipe(z.number().min(60).max(2_592_000)).default(86_400),
        /** Jobs one worker process runs at once. @defaultValue 2 */
        concurrency: positiveInt.default(2),
        /** Seconds between a target job's `target progress` log entries; 0 = none. @defaultValue 30 */
        progressLogSeconds: numeric(z.number().nonnegative()).default(30),
      })
      .prefault({}),
    http: z.strictObject({ port: numeric(z.number().int().min(0).max(65535)).default(9464) }).prefault({}),
    safety: z
      .strictObject({
        /** Clocks further apart refuse the run (1 s … 1 h: 0 would refuse every run). @defaultValue 60 */
        maxClockSkewSeconds: numeric(z.number().min(1, 'must be at least 1').max(3600, 'must be at most 3600 (one hour)')).default(60),
        /** After a stop signal or the end of `maxRunSeconds`, a batch still running is waited for this long, then abandoned. @defaultValue 10 */
        stopGraceSeconds: positiveInt.default(10),
      })
      .prefault({}),
    audit: z
      .strictObject({
        table: identifier
          .refine((t) => t.length <= AUDIT_TABLE_MAX_LENGTH, {
            message: `must be at most ${AUDIT_TABLE_MAX_LENGTH} characters (its companion tables add "_head" and "_ckpt", and MySQL names stop at 64)`,
          })
          .default('retention_audit'),
        key: z.string().default(''),
        /** A running target appends a `progress` entry at least this often (seconds)… @defaultValue 10 */
        progressEverySeconds: positiveInt.default(10),
        /** …and whenever it has deleted this many records since the last one. @defaultValue 10000 */
        progressEveryRecords: positiveInt.default(10_000),
        /** How long an append that fails (head row locked, MySQL gone) is retried before the run gives up on it. @defaultValue 30 */
        appendRetrySeconds: positiveInt.default(30),
        ...auditSigning,
      })
      .prefault({})
      .superRefine(checkAuditSigning),
    report: z.strictObject({ intervalSeconds: positiveInt.default(300) }).prefault({}),
    console: z
      .strictObject({
        /** `retention console` starts only when this is true. @defaultValue false */
        enabled: z.boolean().default(false),
        /** The address it listens on; keep it on loopback unless a proxy with TLS is in front. @defaultValue `127.0.0.1` */
        host: z.string().min(1, 'must not be empty').default('127.0.0.1'),
        /** @defaultValue 9465 */
        port: numeric(z.number().int().min(0).max(65535)).default(9465),
        /** A bearer token (`Authorization: Bearer …`); normally `${file:…}`. @defaultValue '' */
        token: z.string().default(''),
        /** Basic-auth user name, with `password`. @defaultValue '' */
        username: z.string().default(''),
        /** Basic-auth password; normally `${file:…}`. @defaultValue '' */
        password: z.string().default(''),
      })
      .prefault({}),
    policies: z.array(policy).min(1, 'needs at least one policy'),
  })
  // Names unique across policies, Redis patterns checked against the queue prefix; runs on partial input too.
  .superRefine((c, ctx) => checkCrossReferences(c, (path, message) => ctx.addIssue({ code: 'custom', path, message })), {
    when: () => true,
  });

export type RawConfig = z.output<typeof configSchema>;
export type PolicyConfig = RawConfig['policies'][number];
export type TargetConfig = PolicyConfig['targets'][number];
export type MysqlTargetConfig = Extract<TargetConfig, { store: 'mysql' }>;
export type MysqlPartitionsConfig = z.output<typeof mysqlPartitions>;
export type KafkaTargetConfig = Extract<TargetConfig, { store: 'kafka' }>;
export type KafkaStoreConfig = RawConfig['stores']['kafka'];
export const DEFAULT_MYSQL_PARTITIONS: MysqlPartitionsConfig = {
  action: 'drop',
  lockWaitSeconds: 1,
  countConcurrency: 1,
  ddlPauseMs: 20,
  exchange: true,
  premake: 0,
  interval: 'day',
};
export type MongoTargetConfig = Extract<TargetConfig, { store: 'mongo' }>;
export type RedisTargetConfig = Extract<TargetConfig, { store: 'redis' }>;
export type S3TargetConfig = Extract<TargetConfig, { store: 's3' }>;
export type S3StoreConfig = RawConfig['stores']['s3'];
export type SubjectSourceConfig = NonNullable<PolicyConfig['subjects']>;
export type RetainRule = PolicyConfig['retain'];

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
