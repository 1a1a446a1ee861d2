/**
 * Resources released in the reverse order they were acquired (compare graphile-worker's
 * releasers): each step runs even when an earlier one failed, and a failure is reported, not
 * thrown, so one stuck close never leaves the rest open.
 */
export class TeardownStack {
  readonly #steps: { what: string; run: () => unknown }[] = [];

  constructor(private readonly onError: (what: string, err: unknown) => void) {}

  /** Registers a release step; `what` names it in the error report. */
  push(what: string, run: () => unknown): void {
    this.#steps.push({ what, run });
  }

  /** Runs every registered step, newest first, once; steps pushed later form a new stack. */
  async release(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        this.onError(step.what, err);
      }
    }
  }
}
