import { randomInt } from 'node:crypto';
import { DateTime } from 'luxon';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RedisTargetConfig } from '../../../src/config/schema.js';
import { runOnNode } from '../../../src/stores/redis/node-commands.js';
import { keyNameTime } from '../../../src/stores/redis/record-time.js';
import { createRedisAgePurger } from '../../../src/stores/redis/redis-age-purger.js';
import { drain, redisStoreFixture, redisTarget } from './redis-fixtures.js';

const fx = redisStoreFixture();

function purger(target: RedisTargetConfig, zone: string, multiKeyUnlink = true) {
  return createRedisAgePurger(target, {
    keyspace: fx.keyspace,
    run: (node, commands) => runOnNode(node, fx.keyspace.route, commands),
    multiKeyUnlink,
    queuePrefix: `${fx.space.prefix}queue`,
    zone,
  });
}

/** Texts of `width` digits around the cutoff, canonical or not, that a careless judge would get wrong. */
function timeTexts(format: string, cutoffMs: number, zone: string): string[] {
  const width = format.length;
  const at = DateTime.fromMillis(cutoffMs, { zone });
  const unit = ({ 8: 'day', 12: 'minute', 17: 'millisecond' } as const)[width as 8 | 12 | 17];
  const texts = new Set<string>();
  for (let i = -3; i <= 3; i += 1)
    texts.add(
      at
        .startOf(unit)
        .plus({ [unit]: i })
        .toFormat(format),
    );
  const day = at.toFormat('yyyyMMdd');
  const previousDay = at.minus({ days: 1 }).toFormat('yyyyMMdd');
  const tailZeros = (s: string) => (s + '0'.repeat(width)).slice(0, width);
  const edges = [
    `${previousDay}24`, // hour 24: luxon reads the next midnight
    `${day}24`,
    `${previousDay}2401`,
    `${day.slice(0, 4)}0001`, // month 00
    `${day.slice(0, 4)}1301`, // month 13
    `${day.slice(0, 6)}00`, // day 00
    `${day.slice(0, 6)}32`,
    '20240229',
    '20230229',
    '19000229',
    '20000229',
    '00000229',
    '00000101',
    `${day}0060`, // minute 60
    `${day}236000`, // second 60 (texts of 17 digits)
    `${day}235960`,
    '99999999',
  ];
  for (const e of edges) texts.add(tailZeros(e));
  for (let i = 0; i < 300; i += 1) {
    // Random times near the cutoff (within two years, or within a few units), to catch an order the edges miss.
    const offsetMs = i % 2 === 0 ? randomInt(-2 * 365, 2 * 365) * 86_400_000 + randomInt(0, 86_400_000) : randomInt(-5000, 5000) * 60_000;
    texts.add(DateTime.fromMillis(cutoffMs + offsetMs, { zone }).toFormat(format));
  }
  for (let i = 0; i < 100; i += 1) {
    // And random digits: mostly not a calendar date at all.
    let digits = String(at.year - randomInt(0, 3));
    while (digits.length < width) digits += String(randomInt(0, 10));
    texts.add(digits);
  }
  return [...texts];
}

describe('Redis judging key times itself', () => {
  const cases = [
    { format: 'yyyyMMddHHmm', zone: 'UTC', cutoff: '2026-12-03T10:30:00.000Z', literal: '' },
    { format: 'yyyyMMddHHmm', zone: 'UTC', cutoff: '2026-12-03T10:30:00.001Z', literal: ':' },
    { format: 'yyyyMMddHHmmssSSS', zone: 'UTC', cutoff: '2026-03-01T00:00:00.000Z', literal: 'at:' },
    { format: 'yyyyMMdd', zone: 'UTC+5:30', cutoff: '2026-12-03T18:30:00.000Z', literal: '' },
    { format: 'yyyyMMdd', zone: 'UTC-3', cutoff: '2024-02-29T12:00:00.000Z', literal: '_' },
  ];

  for (const { format, zone, cutoff, literal } of cases) {
    it(`deletes exactly the keys the worker's reader calls due: ${format} in ${zone}, cutoff ${cutoff}, literal "${literal}"`, async () => {
      const { redis, prefix } = fx.space;
      const cutoffMs = Date.parse(cutoff);
      const base = `${prefix}${format}:${zone}:${cutoffMs}:`;
      const texts = timeTexts(format, cutoffMs, zone);
      const names: Buffer[] = [];
      texts.forEach((text, i) => {
        names.push(Buffer.from(`${base}${i}:${literal}${text}`));
        // The same digits behind another literal, one digit more or less, or bytes that are not UTF-8.
        names.push(Buffer.from(`${base}${i}:${literal}x${text}`));
        names.push(Buffer.from(`${base}${i}:${literal}${text.slice(1)}`));
        names.push(Buffer.from(`${base}${i}:${literal}7${text}`));
        names.push(Buffer.concat([Buffer.from(`${base}${i}:${literal}`), Buffer.from([0xe2, 0x28]), Buffer.from(text)]));
      });
      names.push(Buffer.from(`${base}arabic-digits:${literal}${'\u0662'.repeat(format.length)}`));
      names.push(Buffer.from(`${base}short:${literal}1`));
      // Under the job queue's prefix: never touched, however old its name says it is.
      names.push(Buffer.from(`${prefix}queue:${literal}${'0'.repeat(format.length)}`));
      const pipeline = redis.pipeline();
      for (const name of names) pipeline.set(name, '1');
      await pipeline.exec();
      // By the names' bytes: some are not UTF-8, which a string SCAN of the prefix could not remove.
      onTestFinished(async () => {
        await redis.unlink(...names);
      });

      const fromKey = `${literal}(\\d{${format.length}})$`;
      const read = keyNameTime(fromKey, format, zone);
      const queue = `${prefix}queue:`;
      const expected = names.filter((name) => {
        if (name.toString('latin1').startsWith(queue)) return false;
        const ms = read(name);
        return ms !== null && ms < cutoffMs;
      });
      expect(expected.length).toBeGreaterThan(50);
      expect(expected.length).toBeLessThan(names.length - 50);

      const target = redisTarget({ type: 'key', match: `${prefix}*`, time: { fromKey, format }, scanCount: 200, batchSize: 150 });
      const walk = purger(target, zone).openWalk(new Date(cutoffMs));
      expect(walk).toHaveProperty('judgedBy', 'redis');
      const { deleted } = await drain(walk);

      const kept = new Set<string>();
      for (const name of names) if (await redis.exists(name)) kept.add(name.toString('hex'));
      const gone = names.filter((name) => !kept.has(name.toString('hex'))).map((n) => n.toString('hex'));
      expect(gone.sort()).toEqual(expected.map((n) => n.toString('hex')).sort());
      expect(deleted).toBe(expected.length);
    });
  }

  it('leaves the judging to the worker when told to, in a cluster, or for a key time that does not sort as text', () => {
    const sortable = { type: 'key' as const, match: `${fx.space.prefix}x:*`, time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' } };
    const cutoff = new Date('2026-12-03T10:30:00Z');
    expect(purger(redisTarget(sortable), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'redis');
    expect(purger(redisTarget({ ...sortable, judgeOnServer: false }), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    expect(purger(redisTarget(sortable), 'UTC', false).openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    expect(purger(redisTarget(sortable), 'Europe/Paris').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    const field = { type: 'key' as const, match: `${fx.space.prefix}x:*`, time: { fromField: 'at', format: 'epoch_ms' as const } };
    expect(purger(redisTarget(field), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
  });
});
