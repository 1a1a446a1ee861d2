import type { Clock } from '../clock.js';

/**
 * Why a purge should stop after the batch in hand: an operator's signal (SIGTERM/SIGINT, a
 * worker shutting down) or the target's time budget. Checked between batches, never mid-batch.
 */
export class StopSignal {
  private reason: string | null = null;

  /** Ask every purge sharing this signal to stop after its current batch. */
  request(reason: string): void {
    this.reason ??= reason;
  }

  get requested(): string | null {
    return this.reason;
  }

  /** Stops when the process is asked to stop. Returns a function that removes the handlers. */
  bindProcessSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const handler = (signal: NodeJS.Signals) => this.request(signal);
    for (const s of signals) process.on(s, handler);
    return () => {
      for (const s of signals) process.off(s, handler);
    };
  }
}

/** A time budget measured on the injected clock. */
export class TimeBudget {
  private readonly deadline: number;

  constructor(
    private readonly clock: Clock,
    seconds: number,
  ) {
    this.deadline = clock.now().getTime() + seconds * 1000;
  }

  get exhausted(): boolean {
    return this.clock.now().getTime() >= this.deadline;
  }
}
