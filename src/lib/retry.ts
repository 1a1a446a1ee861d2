/**
 * Failures worth retrying, as a table: transient lock conflicts and connection blips. Everything
 * else fails the target at once.
 */
const RETRYABLE_CODES = new Set<string | number>([
  'ER_LOCK_WAIT_TIMEOUT', // 1205: innodb_lock_wait_timeout hit behind application locks
  'ER_LOCK_DEADLOCK', // 1213: chosen as the deadlock victim
  'ER_LOCK_TABLE_FULL',
  1205,
  1213,
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
]);

const RETRYABLE_REDIS_PREFIXES = ['LOADING', 'TRYAGAIN', 'BUSY', 'CLUSTERDOWN', 'MASTERDOWN'];

export function isRetryable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; fatal?: unknown; hasErrorLabel?: (l: string) => boolean };
  // mysql2 marks errors that killed the connection `fatal` (a reset, a proxy or failover cutting it;
  // "Can't add new command when connection is in closed state"): the pool drops that connection,
  // and the retry runs on a fresh one.
  if (e.fatal === true) return true;
  if (typeof e.message === 'string' && e.message.includes('connection is in closed state')) return true;
  if (typeof e.code === 'string' || typeof e.code === 'number') {
    if (RETRYABLE_CODES.has(e.code)) return true;
  }
  if (typeof e.errno === 'number' && RETRYABLE_CODES.has(e.errno)) return true;
  if (typeof e.hasErrorLabel === 'function' && (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('TransientTransactionError')))
    return true;
  if (typeof e.message === 'string' && RETRYABLE_REDIS_PREFIXES.some((p) => (e.message as string).startsWith(p))) return true;
  return false;
}

export interface RetryOptions {
  /** Attempts in all, the first included. @defaultValue 5 */
  attempts?: number;
  /** First backoff; doubled each attempt, with full jitter. @defaultValue 50 */
  baseDelayMs?: number;
  /** @defaultValue 2000 */
  maxDelayMs?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/** Runs `fn`, retrying retryable failures with bounded, jittered exponential backoff. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2000;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      const delay = Math.round(random() * Math.min(max, base * 2 ** (attempt - 1)));
      options.onRetry?.(err, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
