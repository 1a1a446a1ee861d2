import type { Redis } from 'ioredis';

export interface ConfigStanding {
  /** The generation of our configuration: 1 for the first one the queue saw, then one more per new one. */
  generation: number;
  /** Whether ours is the newest configuration among the live replicas. */
  newest: boolean;
  newestHash: string;
  newestGeneration: number;
}

/**
 * Registers this replica's configuration hash and heartbeats it, atomically, on the Redis clock.
 * A hash gets a generation the first time the queue sees it; the newest live configuration is
 * the one with the highest generation among those heartbeated within `liveMs`. Only the newest
 * touches the job schedulers, so during a rolling deploy an old replica never undoes a new one's
 * schedules; and once every new replica is gone (a rollback), the old configuration is the
 * newest live one again and takes over.
 */
const HEARTBEAT = `
local gen = redis.call('HGET', KEYS[1], ARGV[1])
if not gen then
  gen = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], ARGV[1], gen)
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local liveMs = tonumber(ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 10 * liveMs)
local newestGen, newestHash = 0, ''
for _, h in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], now - liveMs, '+inf')) do
  local g = tonumber(redis.call('HGET', KEYS[1], h) or '0')
  if g > newestGen then newestGen, newestHash = g, h end
end
return { tonumber(gen), newestHash, newestGen }
`;

export class ConfigRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async heartbeat(configHash: string, liveMs: number): Promise<ConfigStanding> {
    const [generation, newestHash, newestGeneration] = (await this.redis.eval(
      HEARTBEAT,
      3,
      `${this.prefix}:configs`,
      `${this.prefix}:configs:seq`,
      `${this.prefix}:configs:live`,
      configHash,
      String(liveMs),
    )) as [number, string, number];
    return { generation, newest: newestHash === configHash, newestHash, newestGeneration };
  }
}
