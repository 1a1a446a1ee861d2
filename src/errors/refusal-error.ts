/**
 * A target or policy checked and deliberately not touched (no index, unknown column, blast-radius
 * guard, clock skew, another run in progress). Never retried: retrying cannot change the answer.
 */
export class RefusalError extends Error {
  /** A short machine-readable reason, e.g. `no-index`, `unknown-table`, `max-delete-fraction`. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = 'RefusalError';
    this.reason = reason;
  }
}
