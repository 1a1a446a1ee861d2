import { resolveConfigText, type ResolvedConfig } from '../../src/config/load-config.js';
import { openEngine, type OpenEngine } from '../../src/engine/open-engine.js';
import { silentLogger } from '../../src/logging/logger.js';
import type { Clock } from '../../src/clock.js';
import type { StopSignal } from '../../src/engine/stop-signal.js';

export interface TestConfigOptions {
  mysqlUrl: string;
  /** YAML of the `policies:` list, indented by two spaces per level. */
  policies: string;
  auditKey?: string;
  mongoUrl?: string;
  redisUrl?: string;
  maxClockSkewSeconds?: number;
  queuePrefix?: string;
}

/** A configuration with the given policies; MongoDB and Redis disabled unless URLs are given. */
export function testConfig(options: TestConfigOptions): ResolvedConfig {
  const yaml = `
timezone: UTC
stores:
  mysql: { url: "${options.mysqlUrl}" }
  mongo: { url: "${options.mongoUrl ?? ''}" }
  redis: { url: "${options.redisUrl ?? ''}" }
queue: { redisUrl: "redis://127.0.0.1:6379/0", prefix: ${options.queuePrefix ?? 'retention'} }
safety: { maxClockSkewSeconds: ${options.maxClockSkewSeconds ?? 60} }
audit: { table: retention_audit, key: "${options.auditKey ?? 'test-audit-key'}" }
policies:
${options.policies}
`;
  return resolveConfigText(yaml, 'test-config', {});
}

export const LOG_POLICY = `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at, batchSize: 100 }
      - { store: mysql, table: im_exception_log, time: occurred_at, batchSize: 100 }
`;

export const MONITORING_POLICY = `
  - name: monitoring-data
    category: monitoring
    retain: { days: 2 }
    schedule: { cron: "*/10 * * * *" }
    targets:
      - { store: mysql, table: im_monitoring_stat, time: window_start, batchSize: 100 }
`;

/** Opens the engine on a test config, with the audit table migrated. */
export async function openTestEngine(
  config: ResolvedConfig,
  options: { clock: Clock; checkClockSkew?: boolean; stop?: StopSignal },
): Promise<OpenEngine> {
  const engine = await openEngine(config, {
    logger: silentLogger(),
    clock: options.clock,
    checkClockSkew: options.checkClockSkew ?? false,
    ...(options.stop ? { stop: options.stop } : {}),
  });
  await engine.audit.migrate();
  return engine;
}
