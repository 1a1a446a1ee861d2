import type { ResolvedConfig } from '../config/load-config.js';
import { promiseMillis } from '../engine/cutoff.js';
import type { StoreName } from '../types.js';
import type { ShortestRetention } from '../stores/purger.js';

export type { ShortestRetention } from '../stores/purger.js';

/**
 * The shortest retention among the enabled policies with a target in `store`: a copy of that
 * store's data kept longer than this outlives the promise.
 */
export function shortestRetention(config: ResolvedConfig, store: StoreName): ShortestRetention | null {
  let best: ShortestRetention | null = null;
  for (const p of config.policies) {
    if (!p.enabled || !p.targets.some((t) => t.store === store)) continue;
    const r = p.retain;
    const ms = promiseMillis(r);
    const label = r.days !== undefined ? `${r.days} days` : r.hours !== undefined ? `${r.hours} hours` : `${r.months} months`;
    if (!best || ms < best.ms) best = { ms, policy: p.name, label };
  }
  return best;
}

export { formatDuration } from '../lib/format-duration.js';
