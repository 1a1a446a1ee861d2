import type { StoreName } from '../types.js';
import { redactUrls } from '../logging/redact.js';

/** A store could not be reached or failed: wraps the driver error as `cause`, never embeds a URL password. */
export class StoreError extends Error {
  readonly store: StoreName;

  constructor(store: StoreName, message: string, options?: { cause?: unknown }) {
    super(redactUrls(`${store}: ${message}`), options);
    this.name = 'StoreError';
    this.store = store;
  }
}
