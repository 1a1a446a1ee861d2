import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load-config.js';
import { queueWarnings } from './queue-warnings.js';

/**
 * What an operator should know when a worker starts: the queue's Redis set up to lose jobs,
 * payloads signed under a key anyone can derive, policies and stores that are switched off.
 */
export async function logStartWarnings(config: ResolvedConfig, connection: Redis, logger: Logger): Promise<void> {
  try {
    for (const warning of await queueWarnings(connection, config)) logger.warn(warning);
  } catch (err) {
    logger.warn({ err }, "could not check the queue Redis's eviction policy and database (INFO refused?)");
  }
  if (config.audit.key === '')
    logger.warn(
      'audit.key is empty: job payloads are signed under a key anyone can derive; the queue is not protected against forged jobs',
    );
  for (const p of config.policies.filter((p) => !p.enabled))
    logger.warn({ policy: p.name }, 'policy is disabled (enabled: false): not scheduled');
  for (const s of ['mongo', 'redis'] as const)
    if (!config.enabledStores.has(s)) logger.warn({ store: s }, 'store disabled (empty URL): its targets are skipped');
  if (!config.enabledStores.has('kafka') && config.policies.some((p) => p.targets.some((t) => t.store === 'kafka')))
    logger.warn({ store: 'kafka' }, 'store disabled (no brokers): its targets are skipped');
}
