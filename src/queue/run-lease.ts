import type { Redis } from 'ioredis';

/**
 * The lease that tells target jobs their run is alive. The policy's single-flight lock is a MySQL
 * named lock, bound to the one connection of the process coordinating the run; the replicas
 * running its targets cannot see it. So the coordinator, while it holds that lock, also holds
 * this lease in the queue's Redis (value: the run id, renewed well within its TTL). A target job
 * runs only while the lease names its run: when the coordinator dies the lease lapses, and when
 * another run takes the policy over it names that run, and orphaned targets stop after the batch
 * in hand.
 */
export class RunLease {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(policy: string): string {
    return `${this.prefix}:lease:${policy}`;
  }

  /** Takes the lease for `runId` (the caller holds the policy's lock, so it is the rightful owner). */
  async claim(policy: string, runId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(policy), runId, 'PX', ttlMs);
  }

  /** Extends the lease if it still names `runId`; false when it was lost. */
  async renew(policy: string, runId: string, ttlMs: number): Promise<boolean> {
    const renewed = await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end",
      1,
      this.key(policy),
      runId,
      String(ttlMs),
    );
    return renewed === 1;
  }

  /** Gives the lease up if it still names `runId`. */
  async release(policy: string, runId: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
      1,
      this.key(policy),
      runId,
    );
  }

  /** The run currently holding the policy's lease, or null. */
  async holder(policy: string): Promise<string | null> {
    return this.redis.get(this.key(policy));
  }
}
