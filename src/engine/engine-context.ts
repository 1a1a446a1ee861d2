import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load-config.js';
import type { Coordination, Store } from '../stores/purger.js';
import type { StoreName } from '../types.js';
import type { AuditPort, CheckpointPort } from './audit-port.js';
import type { StopSignal } from './stop-signal.js';
import type { TargetProgressListener } from './target-progress.js';

/** Everything a run needs, opened once by the caller (CLI, worker, tests) and passed in. */
export interface EngineContext {
  config: ResolvedConfig;
  clock: Clock;
  logger: Logger;
  /** The enabled stores, opened. */
  stores: ReadonlyMap<StoreName, Store>;
  coordination: Coordination;
  audit: AuditPort;
  /** Signs the audit head at the end of every policy run (`audit.signingKey`); absent when no key is configured. */
  checkpoints?: CheckpointPort | undefined;
  /** Set by SIGTERM/SIGINT or a shutting-down worker: purges stop after the batch in hand. */
  stop: StopSignal;
  /** Told after every batch of every target (progress lines, job progress); optional. */
  progress?: TargetProgressListener | undefined;
  /**
   * Compare our clock with MySQL's before deleting. Only tests that inject a fixed date turn it off.
   * @defaultValue true
   */
  checkClockSkew?: boolean;
}
