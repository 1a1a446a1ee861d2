import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { AuditTrail } from '../audit/audit-trail.js';
import type { Checkpointer } from '../audit/checkpointer.js';
import { assertAuditable } from '../audit/auditable-config.js';
import { createMysqlStore, type MysqlStore } from '../stores/mysql/mysql-store.js';
import type { Store } from '../stores/purger.js';
import type { StoreName } from '../types.js';
import { WORKER_VERSION } from '../version.js';
import type { EngineContext } from './engine-context.js';
import { StopSignal } from './stop-signal.js';
import type { TargetProgressListener } from './target-progress.js';
import { TeardownStack } from '../lib/teardown-stack.js';

export interface OpenEngineOptions {
  logger: Logger;
  clock?: Clock;
  stop?: StopSignal;
  checkClockSkew?: boolean;
  /** Observers of every target's purge (progress line, progress log, job progress). */
  progress?: TargetProgressListener | undefined;
  /**
   * The stores this command will use (`storesUsedBy` of its policies). An enabled store left out
   * is not opened and its driver not even loaded: `retention run -p log-data` on a deployment with
   * MongoDB and Redis enabled does not import their drivers for a policy with MySQL targets only
   * (a third of its start-up, docs/benchmarks.md "CLI start"). MySQL (the audit trail and the
   * coordination) is always opened.
   * @defaultValue every enabled store
   */
  stores?: ReadonlySet<StoreName> | undefined;
}

export interface OpenEngine {
  ctx: EngineContext;
  mysql: MysqlStore;
  audit: AuditTrail;
  /** Present when `audit.signingKey` is set. */
  checkpoints: Checkpointer | null;
  /** Closes every store, in reverse order of opening. */
  close(): Promise<void>;
}

/**
 * Opens the stores this deployment has (MySQL always; MongoDB, Redis, S3 and Kafka when enabled
 * and, with `options.stores`, used) and the audit trail, lazily: no connection is made until a
 * store is used.
 */
export async function openEngine(config: ResolvedConfig, options: OpenEngineOptions): Promise<OpenEngine> {
  const { logger } = options;
  const opened: Store[] = [];
  const mysql = createMysqlStore(config.stores.mysql, logger);
  // A configuration whose names do not fit the audit columns would delete and then fail to record.
  assertAuditable(config);
  opened.push(mysql);
  const stores = new Map<StoreName, Store>([['mysql', mysql]]);
  const wanted = (name: StoreName) => config.enabledStores.has(name) && (options.stores?.has(name) ?? true);
  // The MongoDB, Redis, S3 and Kafka drivers load only when their store is wanted, all at once
  // (their files are read concurrently); the stores are then made in a fixed order.
  const [mongoModule, redisModule, s3Module, kafkaModule] = await Promise.all([
    wanted('mongo') ? import('../stores/mongo/mongo-store.js') : undefined,
    wanted('redis') ? import('../stores/redis/redis-store.js') : undefined,
    wanted('s3') ? import('../stores/s3/s3-store.js') : undefined,
    wanted('kafka') ? import('../stores/kafka/kafka-store.js') : undefined,
  ]);
  if (mongoModule) {
    const mongo = mongoModule.createMongoStore({ url: config.stores.mongo.url }, logger, {
      socketTimeoutMS: config.stores.mongo.socketTimeoutMs,
    });
    opened.push(mongo);
    stores.set('mongo', mongo);
  }
  if (redisModule) {
    const redis = redisModule.createRedisStore(
      { url: config.stores.redis.url, nodes: config.stores.redis.nodes, commandTimeoutMs: config.stores.redis.commandTimeoutMs },
      { queuePrefix: config.queue.prefix, logger },
    );
    opened.push(redis);
    stores.set('redis', redis);
  }
  if (s3Module) {
    const s3 = s3Module.createS3Store(config.stores.s3, logger);
    opened.push(s3);
    stores.set('s3', s3);
  }
  if (kafkaModule) {
    const kafka = kafkaModule.createKafkaStore(config.stores.kafka, logger);
    opened.push(kafka);
    stores.set('kafka', kafka);
  }
  const audit = new AuditTrail(mysql.pool, {
    table: config.audit.table,
    key: config.audit.key,
    configHash: config.hash,
    workerVersion: WORKER_VERSION,
    logger,
  });
  const clock = options.clock ?? systemClock;
  // Signing and the checkpoint sinks load only with a signing key (most runs have none).
  const checkpoints = config.audit.signingKey === '' ? null : await openCheckpointer(config, mysql, audit, clock, logger);
  const ctx: EngineContext = {
    config,
    clock,
    logger,
    stores,
    coordination: mysql,
    audit,
    checkpoints: checkpoints ?? undefined,
    stop: options.stop ?? new StopSignal(),
    checkClockSkew: options.checkClockSkew ?? true,
    progress: options.progress,
  };
  return {
    ctx,
    mysql,
    audit,
    checkpoints,
    async close() {
      const teardown = new TeardownStack((what, err) => logger.warn({ err, store: what }, 'closing a store failed'));
      for (const store of opened) teardown.push(store.name, () => store.close());
      if (checkpoints) teardown.push('checkpoint sinks', () => checkpoints.close());
      await teardown.release();
    },
  };
}

async function openCheckpointer(
  config: ResolvedConfig,
  mysql: MysqlStore,
  audit: AuditTrail,
  clock: Clock,
  logger: Logger,
): Promise<Checkpointer> {
  const [{ Checkpointer }, { createCheckpointSinks }, { loadSigningKey }] = await Promise.all([
    import('../audit/checkpointer.js'),
    import('../audit/checkpoint-sinks/create-sinks.js'),
    import('../audit/signing-key.js'),
  ]);
  return new Checkpointer(mysql.pool, audit.tables, {
    key: loadSigningKey(config.audit.signingKey),
    sinks: createCheckpointSinks(config.audit.checkpoints, () => clock.now()),
    clock,
    logger,
  });
}
