import type { Logger } from 'pino';
import type { StopSignal } from '../engine/stop-signal.js';
import type { TeardownStack } from '../lib/teardown-stack.js';

/**
 * The worker's one shutdown. The first `run` stops taking jobs and asks the purges in hand to stop
 * after their batch, then releases what the worker opened, newest first; later calls wait for the
 * same shutdown. `closed` resolves once it is over.
 */
export class WorkerShutdown {
  readonly closed: Promise<void>;
  #closed!: () => void;
  #running: Promise<void> | null = null;

  constructor(
    private readonly teardown: TeardownStack,
    private readonly stop: StopSignal,
    private readonly logger: Logger,
  ) {
    this.closed = new Promise<void>((resolve) => (this.#closed = resolve));
  }

  /** Whether shutdown has begun: from then on `/readyz` says not ready. */
  get begun(): boolean {
    return this.#running !== null;
  }

  run(reason: string): Promise<void> {
    this.#running ??= this.#shutDown(reason);
    return this.#running;
  }

  async #shutDown(reason: string): Promise<void> {
    this.logger.info({ reason }, 'worker stopping: no new jobs; purges stop after the batch in hand');
    this.stop.request(reason);
    await this.teardown.release();
    this.logger.info('worker stopped');
    this.#closed();
  }
}
