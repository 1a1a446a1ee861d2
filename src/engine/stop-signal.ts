import type { Clock } from '../clock.js';

/**
 * Why a purge should stop after the batch in hand: an operator's signal (SIGTERM/SIGINT, a
 * worker shutting down) or the target's time budget. Checked between batches, never mid-batch.
 */
export class StopSignal {
  private reason: string | null = null;
  private readonly waiters = new Set<(reason: string) => void>();

  /** Ask every purge sharing this signal to stop after its current batch. */
  request(reason: string): void {
    if (this.reason !== null) return;
    this.reason = reason;
    for (const waiter of [...this.waiters]) waiter(reason);
    this.waiters.clear();
  }

  /**
   * Calls `listener` once when a stop is requested (at once when it already was). Returns a
   * function that removes it: a batch racing the signal must not leave a listener behind.
   */
  onRequest(listener: (reason: string) => void): () => void {
    if (this.reason !== null) {
      listener(this.reason);
      return () => {};
    }
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
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

  /** Milliseconds left on the injected clock (0 when spent). */
  get remainingMs(): number {
    return Math.max(0, this.deadline - this.clock.now().getTime());
  }
}
