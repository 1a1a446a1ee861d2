import { resolveConfig, type ResolvedConfig } from '../config/load-config.js';
import { assertAuditable } from '../audit/auditable-config.js';
import { openEngine, type OpenEngine } from '../engine/open-engine.js';
import { StopSignal } from '../engine/stop-signal.js';
import { onStopSignals } from '../lib/stop-signals.js';
import type { TargetProgressListener } from '../engine/target-progress.js';
import type { StoreName } from '../types.js';
import type { CliIo, GlobalOptions } from './io.js';

/** The resolved configuration, refused (ConfigError, exit 2) when a name it holds cannot be audited. */
export function loadConfig(opts: GlobalOptions): ResolvedConfig {
  const config = resolveConfig({ file: opts.config });
  assertAuditable(config);
  return config;
}

/**
 * `withEngine`'s `stores` for the commands that touch only the audit trail (in MySQL, always
 * opened): the other stores' drivers (ioredis, mongodb, the AWS SDK, Kafka) are not even loaded.
 */
export const TRAIL_ONLY: ReadonlySet<StoreName> = new Set();

/**
 * Opens the engine for one command and always closes it, in reverse order, afterwards. SIGTERM
 * and SIGINT ask running purges to stop after the batch in hand; a second signal exits at once.
 */
export async function withEngine<T>(
  config: ResolvedConfig,
  io: CliIo,
  fn: (engine: OpenEngine) => Promise<T>,
  options: { progress?: TargetProgressListener | undefined; stores?: ReadonlySet<StoreName> | undefined } = {},
): Promise<T> {
  const stop = new StopSignal();
  const removeSignalHandlers = onStopSignals({
    first: (signal) => {
      io.logger.warn({ signal }, 'stopping after the batch in hand (send again to exit at once)');
      stop.request(signal);
    },
    second: (signal) => io.logger.error({ signal }, 'second signal: exiting now'),
  });
  const engine = await openEngine(config, { logger: io.logger, stop, progress: options.progress, stores: options.stores });
  try {
    return await fn(engine);
  } finally {
    removeSignalHandlers();
    await engine.close();
  }
}
