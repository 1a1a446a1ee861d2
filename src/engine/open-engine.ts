import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { Checkpointer } from '../audit/checkpointer.js';
import { createCheckpointSinks } from '../audit/checkpoint-sinks/create-sinks.js';
import { loadSigningKey } from '../audit/signing-key.js';
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
 * Opens the stores this deployment has (MySQL always; MongoDB, Redis and S3 when enabled) and the
 * audit trail, lazily: no connection is made until a store is used.
 */
export async function openEngine(config: ResolvedConfig, options: OpenEngineOptions): Promise<OpenEngine> {
  const { logger } = options;
  const opened: Store[] = [];
  const mysql = createMysqlStore(config.stores.mysql, logger);
  // A configuration whose names do not fit the audit columns would delete and then fail to record.
  assertAuditable(config);
  opened.push(mysql);
  const stores = new Map<StoreName, Store>([['mysql', mysql]]);
  // The MongoDB, Redis, S3 and Kafka drivers load only when their store is enabled.
  if (config.enabledStores.has('mongo')) {
    const { createMongoStore } = await import('../stores/mongo/mongo-store.js');
    const mongo = createMongoStore({ url: config.stores.mongo.url }, logger, { socketTimeoutMS: config.stores.mongo.socketTimeoutMs });
    opened.push(mongo);
    stores.set('mongo', mongo);
  }
  if (config.enabledStores.has('redis')) {
    const { createRedisStore } = await import('../stores/redis/redis-store.js');
    const redis = createRedisStore(
      { url: config.stores.redis.url, nodes: config.stores.redis.nodes, commandTimeoutMs: config.stores.redis.commandTimeoutMs },
      { queuePrefix: config.queue.prefix, logger },
    );
    opened.push(redis);
    stores.set('redis', redis);
  }
  if (config.enabledStores.has('s3')) {
    const { createS3Store } = await import('../stores/s3/s3-store.js');
    const s3 = createS3Store(config.stores.s3, logger);
    opened.push(s3);
    stores.set('s3', s3);
  }
  if (config.enabledStores.has('kafka')) {
    const { createKafkaStore } = await import('../stores/kafka/kafka-store.js');
    const kafka = createKafkaStore(config.stores.kafka, logger);
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
  const checkpoints =
    config.audit.signingKey === ''
      ? null
      : new Checkpointer(mysql.pool, audit.tables, {
          key: loadSigningKey(config.audit.signingKey),
          sinks: createCheckpointSinks(config.audit.checkpoints, () => clock.now()),
          clock,
          logger,
        });
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
