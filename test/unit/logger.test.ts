import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('the root logger', () => {
  it('writes JSON lines with the child context (runId, policy)', () => {
    const { lines, logger } = capture();
    logger.child({ runId: 'r1', policy: 'log-data' }).info({ deleted: 3 }, 'target finished');
    expect(lines[0]).toMatchObject({ runId: 'r1', policy: 'log-data', deleted: 3, msg: 'target finished', service: 'retention-worker' });
  });

  it('never prints a URL password, in fields or in error messages', () => {
    const { lines, logger } = capture();
    logger.warn({ target: 'mysql://app:s3cret@db:3306/im', err: new Error('connect to redis://:hunter2@cache:6379/0 failed') }, 'x');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('mysql://app:***@db:3306/im');
  });

  it("drops a driver error's SQL text, which carries bound values such as subject ids", () => {
    const { lines, logger } = capture();
    const err = Object.assign(new Error('Lock wait timeout exceeded'), {
      code: 'ER_LOCK_WAIT_TIMEOUT',
      sql: 'DELETE FROM im_app_config WHERE app_id IN (1400000101)',
    });
    logger.warn({ err }, 'retrying');
    expect(JSON.stringify(lines)).not.toContain('1400000101');
    expect((lines[0]!.err as Record<string, unknown>).code).toBe('ER_LOCK_WAIT_TIMEOUT');
  });

  it('redacts the arguments of AUTH and HELLO that ioredis errors carry, wherever they sit', () => {
    const { lines, logger } = capture();
    const err = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['pa55word-1'] } });
    logger.warn({ err }, 'redis connection error');
    logger.warn({ detail: { command: { name: 'HELLO', args: ['3', 'AUTH', 'default', 'pa55word-2'] } } }, 'x');
    logger.warn({ err: Object.assign(new Error('ERR'), { command: { name: 'get', args: ['some-key'] } }) }, 'y');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('pa55word');
    expect((lines[0]!.err as { command: unknown }).command).toEqual({ name: 'auth', args: ['***'] });
    expect((lines[1]!.detail as { command: { args: string[] } }).command.args).toEqual(['***', '***', '***', '***']);
    // Other commands keep their arguments (key names help debugging and are not secrets).
    expect((lines[2]!.err as { command: unknown }).command).toEqual({ name: 'get', args: ['some-key'] });
  });
});
