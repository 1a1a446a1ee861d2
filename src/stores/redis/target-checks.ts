import type { RedisTargetConfig } from '../../config/schema.js';
import { RefusalError } from '../../errors/index.js';
import { broadMatchProblem, queueKeysProblem } from '../../config/redis-glob.js';
import type { RedisKeyspace } from './redis-keyspace.js';

/** SCAN … TYPE (6.0), XTRIM MINID and exclusive `(id` ranges (6.2) are needed. */
const MIN_VERSION: readonly [number, number] = [6, 2];

/**
 * Refusals common to every Redis target, before any key is touched: a pattern that could match
 * every key, a pattern reaching into the queue's own keys (`<queuePrefix>:…`), a server too old
 * for the commands used; then reachability (StoreError).
 */
export async function checkRedisTarget(target: RedisTargetConfig, keyspace: RedisKeyspace, queuePrefix: string): Promise<void> {
  const broad = broadMatchProblem(target.match, target.allowBroadMatch);
  if (broad) throw new RefusalError('broad-match', broad);

  // The scanner skips `<queuePrefix>:` keys too; refusing here says so before anything runs.
  const queue = queueKeysProblem(target.match, queuePrefix);
  if (queue) throw new RefusalError('queue-keys', queue);

  await keyspace.ping();
  for (const node of await keyspace.masters()) {
    const info = await node.info('server');
    const version = /^redis_version:(\d+)\.(\d+)/m.exec(info);
    const [major, minor] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0)];
    if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
      throw new RefusalError(
        'redis-version',
        `Redis ${version ? `${major}.${minor}` : '(unknown version)'} is too old: purging needs Redis ${MIN_VERSION.join('.')} or later`,
      );
    }
  }
}
