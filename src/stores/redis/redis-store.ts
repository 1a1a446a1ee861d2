import type { RedisTargetConfig, TargetConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { AgePurger, PurgerContext, Store, SubjectPurger } from '../purger.js';
import { runOnNode } from './node-commands.js';
import { createRedisAgePurger, type RedisPurgerDeps } from './redis-age-purger.js';
import { openRedisKeyspace, type RedisStoreConfig } from './redis-keyspace.js';
import { createRedisSubjectPurger } from './redis-subject-purger.js';
import { RedisErrorTranslator, redisEndpoints } from './redis-unreachable.js';
import { redisCopies } from './derived-copies.js';

export type { RedisStoreConfig } from './redis-keyspace.js';

export interface RedisStoreOptions {
  /** The job queue's key prefix (`queue.prefix`): keys under `<queuePrefix>:` are never touched. */
  queuePrefix: string;
  logger: Logger;
}

/**
 * The Redis store: one server (`url`) or a Redis Cluster (`nodes`, every master scanned). Keys are
 * found with SCAN (never KEYS) and deleted with pipelined single-key UNLINKs, or trimmed with
 * bounded per-key scripts for sorted sets and streams. Connections open on first use.
 */
export function createRedisStore(config: RedisStoreConfig, options: RedisStoreOptions): Store {
  const logger = options.logger.child({ store: 'redis' });
  const errors = new RedisErrorTranslator(redisEndpoints(config));
  const keyspace = openRedisKeyspace(config, logger, errors);

  function deps(context: PurgerContext): RedisPurgerDeps {
    return {
      keyspace,
      run: (node, commands) => runOnNode(node, keyspace.route, commands),
      multiKeyUnlink: !keyspace.clustered,
      queuePrefix: options.queuePrefix,
      zone: context.zone,
      ...(context.retainMs !== undefined ? { retainMs: context.retainMs } : {}),
      ...(context.now ? { now: context.now } : {}),
    };
  }

  return {
    name: 'redis',
    agePurger(target: TargetConfig, context: PurgerContext): AgePurger {
      return errors.agePurger(createRedisAgePurger(redisTarget(target), deps(context)));
    },
    subjectPurger(target: TargetConfig, context: PurgerContext): SubjectPurger {
      return errors.subjectPurger(createRedisSubjectPurger(redisTarget(target), deps(context)));
    },
    ping: () => keyspace.ping(),
    // RDB snapshots and the AOF, read on a short-lived connection of its own (fails fast when unreachable).
    derivedCopies: async () => {
      const url = config.url || config.nodes?.[0];
      return url ? redisCopies(url) : [];
    },
    close: () => keyspace.close(),
  };
}

function redisTarget(target: TargetConfig): RedisTargetConfig {
  if (target.store !== 'redis') throw new TypeError(`the Redis store cannot purge a ${target.store} target`);
  return target;
}
