import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ConfigError } from '../errors/index.js';
import type { AuditEntryInput } from './audit-port.js';
import type { EngineContext } from './engine-context.js';

/** First pause between attempts; doubled each time up to `MAX_DELAY_MS`. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

/**
 * Appends an entry that records deletions (progress, target, run-finished, run-closed), retrying
 * a failed append with backoff for up to `audit.appendRetrySeconds`, on top of the trail's own
 * short retries of lock waits. The entry's `at` stays the moment it describes. Throws the last
 * error when the time is up; a malformed entry (TypeError) or a key the trail refuses
 * (ConfigError) is never retried.
 */
export async function appendDurably(ctx: EngineContext, entry: AuditEntryInput, logger: Logger): Promise<void> {
  // Wall-clock time on purpose: this bounds how long a run waits for MySQL, whatever the injected clock says.
  const deadline = performance.now() + ctx.config.audit.appendRetrySeconds * 1000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await ctx.audit.append(entry);
      return;
    } catch (err) {
      // A malformed entry, or a trail kept under another key: waiting cannot change the answer.
      if (err instanceof TypeError || err instanceof ConfigError) throw err;
      const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
      if (performance.now() + delayMs >= deadline) throw err;
      logger.warn({ err, kind: entry.kind, attempt, delayMs }, 'audit append failed; retrying');
      await sleep(delayMs);
    }
  }
}
