/** `3 days`, `36 hours`, `20 minutes`: a duration as an operator reads it. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 2 * 86400) return `${Math.round((s / 86400) * 10) / 10} days`;
  if (s >= 2 * 3600) return `${Math.round((s / 3600) * 10) / 10} hours`;
  if (s >= 120) return `${Math.round(s / 60)} minutes`;
  return `${s} seconds`;
}
