import { errorLine } from '../lib/error-line.js';
import { withTimeout } from '../lib/with-timeout.js';

/** One dependency `/readyz` reaches: MySQL, the queue's Redis, each enabled store. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

/** Runs every check at once, each bounded by `timeoutMs`: an unreachable server is slow to say no. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<ReadinessResult> {
  const entries = await Promise.all(
    checks.map(async (c) => {
      try {
        await withTimeout(c.check(), timeoutMs);
        return [c.name, { ok: true }] as const;
      } catch (err) {
        return [c.name, { ok: false, error: errorLine(err) }] as const;
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}
