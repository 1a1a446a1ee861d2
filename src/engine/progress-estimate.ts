import type { TargetProgress } from './target-progress.js';

export interface ProgressEstimate {
  /** Records deleted per second since the first batch started. */
  ratePerSecond: number;
  /** Seconds until the due records are gone at that rate; null when the due count is unknown or nothing moved yet. */
  etaSeconds: number | null;
  /** Share of the due records deleted, 0–1; null when the due count is unknown. */
  fraction: number | null;
}

/**
 * Rate and ETA from one progress report. The rate is the average since the first batch:
 * a purge's batches cost about the same all the way through (the walk is index-driven), and an
 * average is steadier than a recent-window rate on a loaded server, where one slow batch would
 * swing a windowed ETA by minutes.
 */
export function estimateProgress(p: TargetProgress): ProgressEstimate {
  const seconds = p.purgingMs / 1000;
  const ratePerSecond = seconds > 0 ? p.deleted / seconds : 0;
  if (p.due === null) return { ratePerSecond, etaSeconds: null, fraction: null };
  const remaining = Math.max(0, p.due - p.deleted);
  const fraction = p.due === 0 ? 1 : Math.min(1, p.deleted / p.due);
  if (remaining === 0) return { ratePerSecond, etaSeconds: 0, fraction };
  return { ratePerSecond, etaSeconds: ratePerSecond > 0 ? remaining / ratePerSecond : null, fraction };
}

/** `1:05:09`, `4:02`, `0:07`: elapsed and ETA as a person reads them. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** `812/s`, `12.4k/s`, `1.21M/s`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M/s`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(1)}k/s`;
  return `${Math.round(perSecond)}/s`;
}
