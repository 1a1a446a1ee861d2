import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_TEST_URL } from '../../support/redis.js';
import { describeAgePurgerConformance } from './age-purger-conformance.js';
import { keyNameFixture, sortedSetFixture, streamFixture } from './redis-fixtures.js';

const options = () => ({
  prefix: `rt${randomBytes(4).toString('hex')}:`,
  config: { url: REDIS_TEST_URL },
  connect: () => new Redis(REDIS_TEST_URL),
});

describeAgePurgerConformance('Redis keys with the time in their name, judged by Redis', keyNameFixture(options()));
describeAgePurgerConformance(
  'Redis keys with the time in their name, judged by the worker',
  keyNameFixture({ ...options(), judgeOnServer: false }),
);
describeAgePurgerConformance('Redis sorted-set members', sortedSetFixture(options()));
describeAgePurgerConformance('Redis stream entries', streamFixture(options()));
