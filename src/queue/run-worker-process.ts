import type { ResolvedConfig } from '../config/load-config.js';
import { StopSignal } from '../engine/stop-signal.js';
import { onStopSignals } from '../lib/stop-signals.js';
import { startWorker, type StartWorkerOptions } from './start-worker.js';
import { DEFAULT_TIMING } from './worker-timing.js';

/**
 * The worker as a process: starts it, and on SIGTERM/SIGINT shuts it down gracefully (no new
 * jobs, the batch in hand finished, runs closed and audited, connections closed) and resolves 0.
 * A second signal, or a shutdown slower than `shutdownTimeoutMs`, exits at once (130 / 1).
 */
export async function runWorkerProcess(config: ResolvedConfig, options: StartWorkerOptions): Promise<number> {
  const stop = options.stop ?? new StopSignal();
  const timeoutMs = options.timing?.shutdownTimeoutMs ?? DEFAULT_TIMING.shutdownTimeoutMs;
  const { logger } = options;
  let shutdown: ((reason: string) => Promise<void>) | null = null;
  let pendingSignal: string | null = null;
  const removeSignalHandlers = onStopSignals({
    first: (signal) => {
      logger.warn({ signal, timeoutMs }, 'stopping: finishing the batch in hand (send the signal again to exit at once)');
      stop.request(signal);
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown took too long: exiting now');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      if (shutdown) void shutdown(signal);
      else pendingSignal = signal;
    },
    second: (signal) => logger.error({ signal }, 'second signal: exiting now'),
  });
  try {
    const worker = await startWorker(config, { ...options, stop });
    shutdown = (reason) => worker.shutdown(reason);
    // A signal that came while starting.
    if (pendingSignal) void worker.shutdown(pendingSignal);
    await worker.closed;
    return 0;
  } finally {
    removeSignalHandlers();
  }
}
