import { StopSignal } from '../engine/stop-signal.js';

/**
 * A stop signal of its own (a target whose run lost its lease stops) that also follows the
 * process's (SIGTERM stops every purge).
 */
export class LinkedStopSignal extends StopSignal {
  constructor(private readonly parent: StopSignal) {
    super();
  }

  override get requested(): string | null {
    return super.requested ?? this.parent.requested;
  }

  override onRequest(listener: (reason: string) => void): () => void {
    let called = false;
    const once = (reason: string) => {
      if (called) return;
      called = true;
      listener(reason);
    };
    const offOwn = super.onRequest(once);
    const offParent = this.parent.onRequest(once);
    return () => {
      offOwn();
      offParent();
    };
  }
}
