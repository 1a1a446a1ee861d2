import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedisCluster, type RedisClusterHandle } from '../../support/redis-cluster.js';
import { describeAgePurgerConformance } from './age-purger-conformance.js';
import { keyNameFixture, sortedSetFixture } from './redis-fixtures.js';

// One private 3-master cluster for the file, started before the suites open their fixtures.
let cluster: RedisClusterHandle;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster.stop();
});

const options = () => {
  const config = {
    get nodes() {
      return cluster.nodes;
    },
  };
  return {
    prefix: `rt${randomBytes(4).toString('hex')}:`,
    config,
    connect: () => new Cluster(cluster.nodes.map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) }))),
  };
};

describeAgePurgerConformance('Redis Cluster keys with the time in their name', keyNameFixture(options()));
describeAgePurgerConformance('Redis Cluster sorted-set members', sortedSetFixture(options()));
