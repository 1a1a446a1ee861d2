import type { ResolvedConfig } from '../config/load-config.js';
import { promiseMillis } from '../engine/cutoff.js';
import type { StoreName } from '../types.js';

export interface ShortestRetention {
  ms: number;
  policy: string;
  /** As configured: `2 days`, `2 months`. */
  label: string;
}

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

/** `3 days`, `36 hours`, `20 minutes`: a duration as an operator reads it. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 2 * 86400) return `${Math.round((s / 86400) * 10) / 10} days`;
  if (s >= 2 * 3600) return `${Math.round((s / 3600) * 10) / 10} hours`;
  if (s >= 120) return `${Math.round(s / 60)} minutes`;
  return `${s} seconds`;
}
