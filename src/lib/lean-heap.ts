import { setFlagsFromString } from 'node:v8';

/**
 * V8 garbage-collector settings that keep the process small. A purge allocates a steady stream of
 * short-lived objects (a Buffer per key of every SCAN page, a row object per id of every chunk);
 * by default V8 answers that stream by doubling the young generation up to 3 × 16 MB and letting
 * the old generation grow well past what is live before it collects. Neither makes the purge
 * faster — the bottleneck is the store — but together they put the peak RSS of a 1 M-key Redis
 * purge at 175–190 MiB against 92 MiB with these settings, at the same CPU time (docs/benchmarks.md).
 *
 * Both flags are read by V8 each time it resizes the heap, so setting them at start-up takes
 * effect (unlike `--max-semi-space-size`, fixed when the heap is created). Node 20 and 24 know both.
 */
export const LEAN_HEAP_FLAGS: readonly string[] = [
  // Keep the young generation at its initial size instead of doubling it under allocation.
  '--semi-space-growth-factor=1',
  // Let the old generation grow by 20 % between full collections (V8 picks 1.1–4× by itself).
  '--heap-growing-percent=20',
];

/**
 * Applies LEAN_HEAP_FLAGS, except a flag the operator gave node on its command line
 * (`node --heap-growing-percent=0 bin/retention.js …`; Node refuses these flags in `NODE_OPTIONS`),
 * and none at all when `RETENTION_LEAN_HEAP` is `off`. Returns the flags applied.
 */
export function useLeanHeap(
  given: { execArgv: readonly string[]; env: NodeJS.ProcessEnv } = { execArgv: process.execArgv, env: process.env },
): string[] {
  if (given.env.RETENTION_LEAN_HEAP === 'off') return [];
  const operatorFlags = given.execArgv.map(flagName);
  const applied = LEAN_HEAP_FLAGS.filter((flag) => !operatorFlags.includes(flagName(flag)));
  for (const flag of applied) setFlagsFromString(flag);
  return applied;
}

/** `--semi-space-growth-factor=1` → `semi_space_growth_factor` (V8 takes `-` and `_` alike). */
function flagName(arg: string): string {
  return arg.replace(/^--?/, '').split('=')[0]!.replaceAll('-', '_');
}
