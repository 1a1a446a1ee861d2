import { describe, expect, it } from 'vitest';
import { TeardownStack } from '../../src/lib/teardown-stack.js';

describe('TeardownStack', () => {
  it('releases in reverse order, runs every step when one fails, and reports the failure', async () => {
    const done: string[] = [];
    const failures: string[] = [];
    const stack = new TeardownStack((what, err) => failures.push(`${what}: ${(err as Error).message}`));
    stack.push('pool', () => void done.push('pool'));
    stack.push('queue', async () => {
      throw new Error('stuck');
    });
    stack.push('http', async () => void done.push('http'));
    await stack.release();
    expect(done).toEqual(['http', 'pool']);
    expect(failures).toEqual(['queue: stuck']);
  });

  it('releases each step once', async () => {
    let closes = 0;
    const stack = new TeardownStack(() => {});
    stack.push('x', () => void (closes += 1));
    await stack.release();
    await stack.release();
    expect(closes).toBe(1);
  });
});
