import { describe, expect, it } from 'vitest';
import { isRetryable, withRetry } from '../../src/lib/retry.js';

const err = (fields: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), fields);

describe('the table of retryable failures', () => {
  it('retries lock-wait timeouts, deadlocks and connection loss', () => {
    expect(isRetryable(err({ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }))).toBe(true);
    expect(isRetryable(err({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }))).toBe(true);
    expect(isRetryable(err({ code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(err({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toBe(true);
    expect(isRetryable(err({}, "Can't add new command when connection is in closed state"))).toBe(true);
    expect(isRetryable(err({}, 'LOADING Redis is loading the dataset in memory'))).toBe(true);
  });

  it('does not retry what retrying cannot change', () => {
    expect(isRetryable(err({ code: 'ER_NO_SUCH_TABLE', errno: 1146 }))).toBe(false);
    expect(isRetryable(err({ code: 'ER_PARSE_ERROR', errno: 1064 }))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(null)).toBe(false);
  });

  it('gives up after the configured attempts, with jittered backoff between them', async () => {
    let calls = 0;
    const delays: number[] = [];
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw err({ code: 'ER_LOCK_DEADLOCK' });
        },
        { attempts: 3, baseDelayMs: 1, random: () => 0.5, onRetry: (_e, _a, d) => delays.push(d) },
      ),
    ).rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(calls).toBe(3);
    expect(delays).toEqual([1, 1]);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls += 1;
        if (calls < 2) throw err({ code: 'ECONNRESET' });
        return 42;
      },
      { baseDelayMs: 1 },
    );
    expect(value).toBe(42);
  });
});
