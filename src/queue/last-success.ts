import type { Redis } from 'ioredis';

/**
 * When each policy last closed a run that succeeded or made progress (partial), shared by every
 * replica through the queue's Redis, so whichever replica Prometheus scrapes can tell a stalled
 * schedule.
 */
export class LastSuccess {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key(): string {
    return `${this.prefix}:last-success`;
  }

  async record(policy: string, at: Date): Promise<void> {
    // Keep the later of the two: runs of one policy never overlap, but clocks of replicas may differ.
    await this.redis.eval(
      "local c = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') if tonumber(ARGV[2]) > c then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 1",
      1,
      this.key,
      policy,
      String(at.getTime()),
    );
  }

  async all(): Promise<Map<string, Date>> {
    const raw = await this.redis.hgetall(this.key);
    return new Map(Object.entries(raw).map(([policy, ms]) => [policy, new Date(Number(ms))]));
  }
}
