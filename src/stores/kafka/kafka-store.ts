import { Admin, type SASLMechanismValue } from '@platformatic/kafka';
import type { KafkaStoreConfig, KafkaTargetConfig, TargetConfig } from '../../config/schema.js';
import { RefusalError, StoreError } from '../../errors/index.js';
import type { Logger } from '../../logging/logger.js';
import { targetLabel } from './target-label.js';
import type { Store } from '../purger.js';
import { createKafkaAgePurger } from './kafka-age-purger.js';
import { protocolFailure } from './kafka-errors.js';

export interface KafkaStoreOptions {
  /** Attempts of a retriable request (leader moved, broker restarting). @defaultValue 3 */
  retries?: number;
  /** @defaultValue 250 */
  retryDelayMs?: number;
}

/**
 * The Kafka store: one admin client (`@platformatic/kafka`) for the deployment. It connects on the
 * first request, so building the store of an unreachable cluster succeeds and `ping()` reports it.
 * The client is chosen for IncrementalAlterConfigs, which kafkajs lacks (see docs/kafka.md).
 */
export function createKafkaStore(config: KafkaStoreConfig, logger: Logger, options: KafkaStoreOptions = {}): Store {
  if (config.brokers.length === 0) throw new StoreError('kafka', 'no brokers configured: the Kafka store is disabled');
  const tls =
    config.tls === false
      ? undefined
      : config.tls === true
        ? {}
        : { ca: config.tls.ca, cert: config.tls.cert, key: config.tls.key, rejectUnauthorized: config.tls.rejectUnauthorized };
  const admin = new Admin({
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    ...(tls ? { tls } : {}),
    ...(config.sasl
      ? { sasl: { mechanism: config.sasl.mechanism as SASLMechanismValue, username: config.sasl.username, password: config.sasl.password } }
      : {}),
    requestTimeout: config.requestTimeoutMs,
    timeout: config.requestTimeoutMs,
    retries: options.retries ?? 3,
    retryDelay: options.retryDelayMs ?? 250,
  });
  const log = logger.child({ store: 'kafka' });

  return {
    name: 'kafka',

    agePurger(target: TargetConfig) {
      const kafkaTarget = asKafkaTarget(target);
      const name = targetLabel(kafkaTarget);
      return createKafkaAgePurger(admin, kafkaTarget, name, log.child({ target: name }));
    },

    subjectPurger(target: TargetConfig) {
      throw new RefusalError(
        'unsupported',
        `kafka target ${targetLabel(asKafkaTarget(target))}: subject policies cannot purge Kafka (deletion is a prefix of each partition)`,
      );
    },

    async ping() {
      try {
        await admin.listTopics();
      } catch (err) {
        // The client's errors name brokers and Kafka error codes, never the SASL password.
        const failure = protocolFailure(err);
        throw new StoreError('kafka', `cannot reach the brokers ${config.brokers.join(',')}: ${failure?.apiId ?? (err as Error).message}`, {
          cause: err,
        });
      }
    },

    async close() {
      await admin.close();
    },
  };
}

function asKafkaTarget(target: TargetConfig): KafkaTargetConfig {
  if (target.store !== 'kafka') throw new TypeError(`the kafka store was given a ${target.store} target`);
  return target;
}
