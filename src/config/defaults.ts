/** Defaults that more than the schema needs (the schema's `.default(…)` and the checks that run on partial input). */

/** BullMQ's key prefix when `queue.prefix` is left out; no data target may match `<prefix>:…`. */
export const DEFAULT_QUEUE_PREFIX = 'retention';
