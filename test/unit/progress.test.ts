import { describe, expect, it } from 'vitest';
import { estimateProgress, formatDuration, formatRate } from '../../src/engine/progress-estimate.js';
import { progressLog } from '../../src/engine/progress-log.js';
import { combineProgressListeners, type TargetProgress } from '../../src/engine/target-progress.js';
import { jobProgress } from '../../src/queue/job-progress.js';
import { describe as describeLine } from '../../src/cli/terminal/terminal-progress.js';
import { createLogger, logFormatFor } from '../../src/logging/logger.js';

const base: TargetProgress = {
  runId: 'r1',
  policy: 'log-data',
  store: 'mysql',
  target: 'im_request_log',
  phase: 'purging',
  deleted: 0,
  batches: 0,
  due: null,
  elapsedMs: 0,
  purgingMs: 0,
};

function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  let out = '';
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void (out += s) } });
  return {
    logger,
    lines: () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('progress estimate', () => {
  it('rates deletions over the purging time, not the count before it', () => {
    const e = estimateProgress({ ...base, deleted: 50_000, due: 100_000, elapsedMs: 9_000, purgingMs: 5_000 });
    expect(e.ratePerSecond).toBe(10_000);
    expect(e.etaSeconds).toBe(5);
    expect(e.fraction).toBe(0.5);
  });

  it('has no ETA without a due count or before anything moved', () => {
    expect(estimateProgress({ ...base, deleted: 10, purgingMs: 1000 }).etaSeconds).toBeNull();
    expect(estimateProgress({ ...base, due: 10, purgingMs: 0 })).toMatchObject({ ratePerSecond: 0, etaSeconds: null, fraction: 0 });
  });

  it('reads 0 s and 100 % when everything due is gone, also when nothing was due', () => {
    expect(estimateProgress({ ...base, deleted: 7, due: 7, purgingMs: 100 })).toMatchObject({ etaSeconds: 0, fraction: 1 });
    expect(estimateProgress({ ...base, deleted: 0, due: 0, purgingMs: 100 })).toMatchObject({ etaSeconds: 0, fraction: 1 });
  });

  it('formats durations and rates as a person reads them', () => {
    expect(formatDuration(7)).toBe('0:07');
    expect(formatDuration(242)).toBe('4:02');
    expect(formatDuration(3909)).toBe('1:05:09');
    expect(formatRate(812.4)).toBe('812/s');
    expect(formatRate(12_449)).toBe('12.4k/s');
    expect(formatRate(1_210_000)).toBe('1.21M/s');
  });
});

describe('progress log', () => {
  it('logs one entry per target per interval of its run, with the rate and ETA', async () => {
    const { logger, lines } = capture();
    const listener = progressLog(logger, 2);
    for (let t = 0; t <= 5_000; t += 500) await listener.onProgress({ ...base, deleted: t * 10, due: 100_000, elapsedMs: t, purgingMs: t });
    await listener.onProgress({ ...base, target: 'im_exception_log', deleted: 1, elapsedMs: 100, purgingMs: 100 });
    const entries = lines().filter((l) => l.msg === 'target progress');
    expect(entries.map((e) => [e.target, e.elapsedMs])).toEqual([
      ['im_request_log', 2000],
      ['im_request_log', 4000],
    ]);
    expect(entries[0]).toMatchObject({
      runId: 'r1',
      policy: 'log-data',
      store: 'mysql',
      phase: 'purging',
      deleted: 20_000,
      due: 100_000,
      ratePerSecond: 10_000,
      etaSeconds: 8,
    });
  });

  it('starts afresh for a target that runs again', async () => {
    const { logger, lines } = capture();
    const listener = progressLog(logger, 1);
    await listener.onProgress({ ...base, elapsedMs: 1500, purgingMs: 1500, deleted: 5 });
    await listener.onProgress({ ...base, phase: 'done', elapsedMs: 1600, purgingMs: 1600, deleted: 5 });
    await listener.onProgress({ ...base, runId: 'r1', elapsedMs: 1200, purgingMs: 1200, deleted: 2 });
    expect(lines().filter((l) => l.msg === 'target progress')).toHaveLength(2);
  });
});

describe('job progress', () => {
  it('updates the job at most once a second of the run, and always at the end', async () => {
    const updates: unknown[] = [];
    const listener = jobProgress({ updateProgress: async (p: unknown) => void updates.push(p) } as never, 1000);
    for (const t of [0, 300, 900, 1000, 1500, 2100])
      await listener.onProgress({ ...base, deleted: t, due: 4000, elapsedMs: t, purgingMs: t });
    await listener.onProgress({ ...base, phase: 'done', status: 'succeeded', deleted: 4000, due: 4000, elapsedMs: 2200, purgingMs: 2200 });
    expect(updates).toHaveLength(4);
    expect(updates[1]).toEqual({ phase: 'purging', deleted: 1000, due: 4000, percent: 25, ratePerSecond: 1000, etaSeconds: 3 });
    expect(updates[3]).toMatchObject({ phase: 'done', percent: 100, etaSeconds: 0 });
  });
});

describe('combined listeners', () => {
  it('tells each listener and wants the due count when any does', async () => {
    const seen: string[] = [];
    const a = { onProgress: () => void seen.push('a') };
    const b = { wantsDueCount: true, onProgress: async () => void seen.push('b') };
    const both = combineProgressListeners(a, undefined, b)!;
    await both.onProgress(base);
    expect(seen).toEqual(['a', 'b']);
    expect(both.wantsDueCount).toBe(true);
    expect(combineProgressListeners(undefined, null)).toBeUndefined();
    expect(combineProgressListeners(a)).toBe(a);
  });
});

describe('terminal line', () => {
  it('shows a bar, counts, rate, elapsed and ETA once the due count is known', () => {
    const line = describeLine({ ...base, deleted: 520_000, due: 1_000_000, elapsedMs: 4_500, purgingMs: 4_000 });
    expect(line).toBe(
      'log-data mysql:im_request_log  [████████████░░░░░░░░░░░░]  52%  deleted 520,000 of 1,000,000  130.0k/s  0:05  ETA 0:04',
    );
  });

  it('shows counts and rate without a due count, and the status at the end', () => {
    expect(describeLine({ ...base, deleted: 3_000, elapsedMs: 2_000, purgingMs: 2_000 })).toBe(
      'log-data mysql:im_request_log  deleted 3,000  1500/s  0:02',
    );
    expect(describeLine({ ...base, phase: 'done', status: 'partial', deleted: 3_000, elapsedMs: 2_000, purgingMs: 2_000 })).toMatch(
      / partial$/,
    );
    expect(describeLine({ ...base, phase: 'counting', elapsedMs: 1_000 })).toBe(
      'log-data mysql:im_request_log  counting due records…  0:01',
    );
  });
});

describe('log format', () => {
  it('is JSON unless the logs go to a terminal, and LOG_FORMAT decides when set', () => {
    expect(logFormatFor(undefined, false)).toBe('json');
    expect(logFormatFor(undefined, true)).toBe('pretty');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
    expect(logFormatFor('yaml', false)).toBe('json');
  });

  it('pretty lines carry the level name and message, and are still redacted', () => {
    let out = '';
    const logger = createLogger({ format: 'pretty', destination: { write: (s: string) => void (out += s) } });
    logger.warn({ url: 'mysql://root:hunter2@db:3306/x' }, 'store slow');
    expect(out).toMatch(/WARN.*store slow/);
    expect(out).not.toContain('hunter2');
    expect(out).not.toMatch(/^\{/);
  });
});
