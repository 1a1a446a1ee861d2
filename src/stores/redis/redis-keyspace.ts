import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../logging/logger.js';
import { StoreError } from '../../errors/index.js';
import { RedisErrorTranslator, redisEndpoints } from './redis-unreachable.js';

/** Where the Redis data lives: one server (`url`) or a Redis Cluster (`nodes`, any subset of its nodes). */
export interface RedisStoreConfig {
  url?: string;
  nodes?: string[];
  /**
   * ioredis `commandTimeout`, ms: a command with no reply this long fails ("Command timed out"),
   * so a stalled server (paused, swapping, a hung proxy) fails the call instead of hanging the run.
   * @defaultValue 10000
   */
  commandTimeoutMs?: number;
}

/** Default of `stores.redis.commandTimeoutMs`. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** How long `close()` waits for QUIT's reply before dropping the connection (a stalled server never answers). */
const QUIT_TIMEOUT_MS = 1000;

/**
 * The keyspace as the purgers see it: the masters to SCAN (one for a single server, every master
 * of a cluster) and a routed client for single-key commands that must follow redirections.
 */
export interface RedisKeyspace {
  readonly route: Redis | Cluster;
  /** True for a Redis Cluster, where a multi-key command must stay within one slot. */
  readonly clustered: boolean;
  /** Every master holding keys, connected. */
  masters(): Promise<Redis[]>;
  /** Throws StoreError unless every master answers PING. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long a connection attempt may take before the command fails. @defaultValue 5000 */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Connection options shared by single servers and cluster nodes.
 *
 * `protocol: 2`: ioredis 6 speaks RESP3 by default, where raw replies (`callBuffer`, which we use
 * for byte-exact key names) change shape, e.g. `ZRANGE … WITHSCORES` arrives as `[[member,
 * score]]` pairs instead of a flat list. RESP2 keeps every reply in the shape documented for
 * the commands, on every server version and proxy.
 *
 * `maxRetriesPerRequest: 2`: a command fails after two reconnection attempts instead of twenty,
 * so an unreachable server surfaces as an error within seconds and the engine's retry decides.
 */
const CONNECTION_OPTIONS = {
  protocol: 2,
  lazyConnect: true,
  connectTimeout: CONNECT_TIMEOUT_MS,
  maxRetriesPerRequest: 2,
} satisfies RedisOptions;

/** `errors` learns each connection failure, so a failed command can say which server and why. */
export function openRedisKeyspace(
  config: RedisStoreConfig,
  logger: Logger,
  errors: RedisErrorTranslator = new RedisErrorTranslator(redisEndpoints(config)),
): RedisKeyspace {
  const nodes = config.nodes ?? [];
  const options: RedisOptions = { ...CONNECTION_OPTIONS, commandTimeout: config.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS };
  if (nodes.length > 0) return openCluster(nodes, options, logger, errors);
  if (!config.url) throw new StoreError('redis', 'no url and no cluster nodes configured');
  return openSingle(config.url, options, logger, errors);
}

function openSingle(url: string, options: RedisOptions, logger: Logger, errors: RedisErrorTranslator): RedisKeyspace {
  const redis = new Redis(url, options);
  redis.on('error', (err: Error) => {
    errors.connectionError(err);
    logger.warn({ err }, 'redis connection error');
  });
  redis.on('ready', () => errors.connected());
  return {
    route: redis,
    clustered: false,
    async masters() {
      if (redis.status === 'wait') await redis.connect();
      return [redis];
    },
    async ping() {
      try {
        await redis.ping();
      } catch (err) {
        const translated = errors.translate(err);
        throw translated instanceof StoreError
          ? translated
          : new StoreError('redis', `Redis at ${errors.endpoints}: ${message(err)}`, { cause: err });
      }
    },
    close: () => quit(redis),
  };
}

function openCluster(nodes: readonly string[], options: RedisOptions, logger: Logger, errors: RedisErrorTranslator): RedisKeyspace {
  // Credentials given in the first node URL apply to every node the cluster reveals, not only to
  // the startup nodes (ioredis takes them per startup node otherwise).
  const auth = credentialsOf(nodes[0]!);
  const cluster = new Cluster([...nodes], {
    lazyConnect: true,
    redisOptions: { ...options, ...auth },
    slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
  });
  cluster.on('error', (err: Error) => {
    errors.connectionError(err);
    logger.warn({ err }, 'redis cluster error');
  });
  cluster.on('ready', () => errors.connected());

  async function ready(): Promise<void> {
    if (cluster.status === 'ready') return;
    if (cluster.status === 'wait') return cluster.connect();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cluster.off('ready', onReady);
        reject(new Error(`the cluster was not ready within ${CONNECT_TIMEOUT_MS} ms (status ${cluster.status})`));
      }, CONNECT_TIMEOUT_MS);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      cluster.once('ready', onReady);
    });
  }

  const masters = async () => {
    await ready();
    const list = cluster.nodes('master');
    if (list.length === 0) throw new Error('the cluster lists no master');
    return list;
  };

  return {
    route: cluster,
    clustered: true,
    masters,
    async ping() {
      try {
        await Promise.all((await masters()).map((node) => node.ping()));
      } catch (err) {
        const translated = errors.translate(err);
        throw translated instanceof StoreError
          ? translated
          : new StoreError('redis', `cannot reach every cluster master (${errors.endpoints}): ${message(err)}`, { cause: err });
      }
    },
    close: () => quit(cluster),
  };
}

function credentialsOf(url: string): { username?: string; password?: string } {
  try {
    const parsed = new URL(url);
    return {
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    };
  } catch {
    return {}; // `host:port` without a scheme: no credentials in it
  }
}

async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end' || client.status === 'wait') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('QUIT timed out')), QUIT_TIMEOUT_MS);
      }),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
