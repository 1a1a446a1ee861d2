import { describe, expect, it } from 'vitest';
import { tokenizeGlob, tokensToRegExpSource } from '../../../src/config/redis-glob.js';
import { scanKeys } from '../../support/redis.js';
import { redisStoreFixture, redisTarget } from './redis-fixtures.js';

const context = { zone: 'UTC' };
/** 2^64 − 1, and 2^53 + 1 next to 2^53: as JavaScript numbers the last two are the same. */
const A = '18446744073709551615';
const B = '9007199254740993';
const C = '9007199254740992';

const fx = redisStoreFixture();

async function keysUnder(match: string): Promise<string[]> {
  return (await scanKeys(fx.space.redis, match)).sort();
}

describe('Redis subject targets', () => {
  it('deletes X:cfg:<id> and X:cfg:<id>:* of the given ids exactly, not X:cfg:<id>0 nor neighbouring ids', async () => {
    const { redis, prefix } = fx.space;
    const p = `${prefix}cfg:`;
    const names = [
      `${p}${A}`,
      `${p}${A}:tags`,
      `${p}${A}:push:ios`,
      `${p}${A}0`,
      `${p}${A}0:tags`,
      `${p}${B}`,
      `${p}${B}:x`,
      `${p}${C}`,
      `${p}${C}:x`,
      `${p}x${A}:y`,
    ];
    for (const name of names) await redis.set(name, 'v');
    const exact = fx.store.subjectPurger(redisTarget({ type: 'key', match: `${prefix}cfg:<subject>` }), context);
    const nested = fx.store.subjectPurger(
      redisTarget({ type: 'key', match: `${prefix}cfg:<subject>:*`, scanCount: 3, batchSize: 2 }),
      context,
    );
    await exact.check();
    await nested.check();

    expect(await exact.countSubjects([A, B])).toEqual(
      new Map([
        [A, 1],
        [B, 1],
      ]),
    );
    expect(await nested.countSubjects([A, B])).toEqual(
      new Map([
        [A, 2],
        [B, 1],
      ]),
    );
    expect(await exact.purgeSubjects([A, B])).toEqual(
      new Map([
        [A, 1],
        [B, 1],
      ]),
    );
    expect(await nested.purgeSubjects([A, B])).toEqual(
      new Map([
        [A, 2],
        [B, 1],
      ]),
    );
    expect(await keysUnder(`${p}*`)).toEqual([`${p}${A}0`, `${p}${A}0:tags`, `${p}${C}`, `${p}${C}:x`, `${p}x${A}:y`].sort());

    // Deleting what is already gone is not an error: zero per subject.
    expect(await nested.purgeSubjects([A, B])).toEqual(
      new Map([
        [A, 0],
        [B, 0],
      ]),
    );
    expect(await exact.purgeSubjects([A])).toEqual(new Map([[A, 0]]));
  });

  it('matches ids as the glob would when the id position is ambiguous (a wildcard right after it)', async () => {
    const { redis, prefix } = fx.space;
    for (const name of ['amb:12', 'amb:123abc', 'amb:12x', 'amb:1', 'amb:9912']) await redis.set(`${prefix}${name}`, 'v');
    const purger = fx.store.subjectPurger(redisTarget({ type: 'key', match: `${prefix}amb:<subject>*` }), context);
    // `amb:12*` matches amb:12, amb:123abc and amb:12x; `amb:1*` would match all of those too.
    expect(await purger.countSubjects(['12'])).toEqual(new Map([['12', 3]]));
    expect(await purger.purgeSubjects(['12', '7'])).toEqual(
      new Map([
        ['12', 3],
        ['7', 0],
      ]),
    );
    expect(await keysUnder(`${prefix}amb:*`)).toEqual([`${prefix}amb:1`, `${prefix}amb:9912`]);
  });

  it('refuses a subject id that is not a decimal string', async () => {
    const purger = fx.store.subjectPurger(redisTarget({ type: 'key', match: `${fx.space.prefix}cfg:<subject>:*` }), context);
    await expect(purger.purgeSubjects(['12*'])).rejects.toThrow(/decimal/);
  });

  it('turns globs into regular expressions that agree with SCAN MATCH on the server', async () => {
    const { redis, prefix } = fx.space;
    const names = ['a', 'ab', 'abc', 'a:b', 'a\\b', 'a*b', 'a?b', 'a[b', 'a]b', 'b', 'c', 'x-y', 'é', 'éa', 'a\nb', '-', '^', 'z'];
    for (const name of names) await redis.set(`${prefix}g:${name}`, 'v');
    const globs = [
      '*',
      'a*',
      'a?',
      '?',
      'a?b',
      '[ab]*',
      '[^a]*',
      '[a-c]',
      '[c-a]',
      'a\\*b',
      'a\\?b',
      'a[[]b',
      'a[]]b',
      '[-]',
      '[\\^]',
      '?a',
      '[x]-y',
      'a[\\\\]b',
      '[a-',
      '*b',
    ];
    for (const glob of globs) {
      const onServer = (await keysUnder(`${prefix}g:${glob}`)).map((k) => k.slice(`${prefix}g:`.length));
      const regex = new RegExp(tokensToRegExpSource(tokenizeGlob(glob), () => ''));
      const inMemory = names.filter((n) => regex.test(Buffer.from(n, 'utf8').toString('latin1')));
      expect(inMemory.sort(), `glob ${glob}`).toEqual(onServer);
    }
  });
});
