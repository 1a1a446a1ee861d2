/**
 * Why a run must stop deleting at once, whatever is left: its policy lock is gone (another run may
 * start and must not race it), or the audit trail cannot record what it deletes. Thrown between
 * batches by the engine's own checks, never by a store.
 */
export class HaltError extends Error {
  constructor(
    readonly reason: 'lock-lost' | 'audit-unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HaltError';
  }
}
