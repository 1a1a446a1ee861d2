import type { Pool } from 'mysql2/promise';
import { allSamples, errorCount, type ProbeClient } from '../probe/probe-client.js';
import type { ProbeWindow } from '../probe/probe-protocol.js';
import { median, summarizeLatencies, type LatencySummary } from '../support/stats.js';
import { statusDelta, statusSnapshot, waitForUndoPurge } from './bench-database.js';
import type { PurgeMethod } from './purge-methods.js';
import { TABLE, type RequestLogTemplate } from './request-log-table.js';

export interface BacklogRun {
  method: string;
  round: number;
  deleted: number;
  wallMs: number;
  /** See MethodRun.purgeMs. */
  purgeMs: number;
  rowsPerSecond: number;
  peakRssKib: number | null;
  /** Handler_read_* delta during the run (global: includes the probe's reads). */
  handlerReads: number;
  rowLockWaits: number;
  /** The probe's UPDATEs that found their kept row locked (this table only, unlike rowLockWaits). */
  keptRowLockConflicts: number;
  /** Statements the server ran during the run (global `Questions`: includes the probe's). */
  questions: number;
  /** CPU of the purging process and of the server during the run, ms (null when not measurable). */
  purgerCpuMs: number | null;
  serverCpuMs: number | null;
  /**
   * How long the history list took afterwards to fall back under 1000, ms. It counts transactions,
   * not rows: one huge DELETE is one entry, so this does not measure its undo purge.
   */
  undoPurgeMs: number;
  foreground: LatencySummary;
  foregroundUpdates: LatencySummary;
}

export interface BacklogMethodSummary {
  id: string;
  label: string;
  runs: number;
  medianDeleted: number;
  medianWallMs: number;
  medianPurgeMs: number;
  /** Rows per second of wall time (process start to exit): what the ratios use. */
  medianRowsPerSecond: number;
  /** Median rows/s over pt-archiver's median rows/s. */
  ratioToPtArchiver: number | null;
  /** Every probe sample of every run of the method, pooled. */
  foreground: LatencySummary;
  foregroundUpdates: LatencySummary;
  p99RatioToPtArchiver: number | null;
  /** Innodb_row_lock_waits deltas: server-wide, so other sessions' waits count too. */
  rowLockWaits: { median: number; max: number };
  /** The probe's UPDATEs that found their kept row locked, summed over the runs. */
  keptRowLockConflicts: number;
  medianHandlerReadsPerDeleted: number;
  medianUndoPurgeMs: number;
  maxPeakRssKib: number | null;
  medianQuestions: number;
  medianPurgerCpuMs: number | null;
  medianServerCpuMs: number | null;
}

export interface BacklogResult {
  rows: number;
  runsPerMethod: number;
  cloneMethod: string;
  templateLoadSeconds: number;
  medianCloneSeconds: number;
  /** The probe with no purge running (a window at the start of each round), pooled. */
  idle: LatencySummary;
  idleUpdates: LatencySummary;
  methods: BacklogMethodSummary[];
  runs: BacklogRun[];
}

export interface BacklogOptions {
  pool: Pool;
  template: RequestLogTemplate;
  templateLoadSeconds: number;
  methods: PurgeMethod[];
  runs: number;
  probe: ProbeClient;
  idleWindowMs: number;
  /** Reads the server's CPU time (null when the server is not on this machine). */
  serverCpu: (() => Promise<number | null>) | null;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Each run: a fresh identical copy of the template, undo of earlier runs purged, the probe warmed
 * up, then the method, timed, with the probe and the server counters measured around it. Methods
 * alternate and the starting method rotates every round, so drift on a noisy box spreads evenly.
 */
export async function runBacklogScenario(options: BacklogOptions): Promise<BacklogResult> {
  const { pool, template, probe, methods, log } = options;
  const n = template.rows;
  // Ids above 55 % of the table stay kept for the whole bench (the cutoff is at 50 % and moves ~1.7 rows/s).
  const keptIds = { from: BigInt(Math.ceil(n * 0.55)), to: BigInt(n) };
  const runs: BacklogRun[] = [];
  const idleWindows: ProbeWindow[] = [];
  const windows = new Map<string, ProbeWindow[]>();
  const cloneMs: number[] = [];

  for (let round = 1; round <= options.runs; round += 1) {
    const order = methods.map((_, i) => methods[(i + round - 1) % methods.length] as PurgeMethod);
    for (const [i, method] of order.entries()) {
      await probe.pause();
      const cloneStarted = performance.now();
      await template.cloneTo(TABLE);
      cloneMs.push(performance.now() - cloneStarted);
      await waitForUndoPurge(pool);
      await probe.resume(keptIds);
      await sleep(1000);
      if (i === 0) {
        await probe.mark();
        await sleep(options.idleWindowMs);
        idleWindows.push(await probe.collect());
      }
      await probe.mark();
      const before = await statusSnapshot(pool);
      const cpuBefore = (await options.serverCpu?.()) ?? null;
      const result = await method.run();
      const window = await probe.collect();
      const cpuAfter = (await options.serverCpu?.()) ?? null;
      const after = await statusSnapshot(pool);
      const undoPurgeMs = await waitForUndoPurge(pool);
      const delta = statusDelta(before, after);
      (windows.get(method.id) ?? windows.set(method.id, []).get(method.id)!).push(window);
      const run: BacklogRun = {
        method: method.id,
        round,
        deleted: result.deleted,
        wallMs: result.wallMs,
        purgeMs: result.purgeMs,
        rowsPerSecond: result.deleted / (result.wallMs / 1000),
        peakRssKib: result.peakRssKib,
        handlerReads: delta.handlerReads,
        rowLockWaits: delta.rowLockWaits,
        keptRowLockConflicts: window.lockConflicts,
        questions: delta.questions,
        purgerCpuMs: result.cpuMs,
        serverCpuMs: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
        undoPurgeMs,
        foreground: summarizeLatencies(allSamples(window), errorCount(window)),
        foregroundUpdates: summarizeLatencies(window.samples.update ?? [], window.errors.update ?? 0),
      };
      runs.push(run);
      log(
        `  backlog round ${round} ${method.id}: ${run.deleted} rows in ${(run.wallMs / 1000).toFixed(2)} s = ${Math.round(run.rowsPerSecond)} rows/s, ` +
          `fg p99 ${run.foreground.p99.toFixed(1)} ms, lock waits ${run.rowLockWaits} (kept-row conflicts ${run.keptRowLockConflicts})`,
      );
    }
  }
  await probe.pause();

  const pooled = (list: ProbeWindow[], kind?: string) =>
    summarizeLatencies(
      list.flatMap((w) => (kind ? (w.samples[kind] ?? []) : allSamples(w))),
      list.reduce((sum, w) => sum + (kind ? (w.errors[kind] ?? 0) : errorCount(w)), 0),
    );
  const summaries = methods.map((method): BacklogMethodSummary => {
    const mine = runs.filter((r) => r.method === method.id);
    const rss = mine.map((r) => r.peakRssKib).filter((v): v is number => v !== null);
    const locks = mine.map((r) => r.rowLockWaits);
    return {
      id: method.id,
      label: method.label,
      runs: mine.length,
      medianDeleted: median(mine.map((r) => r.deleted)),
      medianWallMs: median(mine.map((r) => r.wallMs)),
      medianPurgeMs: median(mine.map((r) => r.purgeMs)),
      medianRowsPerSecond: median(mine.map((r) => r.rowsPerSecond)),
      ratioToPtArchiver: null,
      foreground: pooled(windows.get(method.id) ?? []),
      foregroundUpdates: pooled(windows.get(method.id) ?? [], 'update'),
      p99RatioToPtArchiver: null,
      rowLockWaits: { median: median(locks), max: Math.max(...locks) },
      keptRowLockConflicts: mine.reduce((sum, r) => sum + r.keptRowLockConflicts, 0),
      medianHandlerReadsPerDeleted: median(mine.map((r) => r.handlerReads / Math.max(1, r.deleted))),
      medianUndoPurgeMs: median(mine.map((r) => r.undoPurgeMs)),
      maxPeakRssKib: rss.length > 0 ? Math.max(...rss) : null,
      medianQuestions: median(mine.map((r) => r.questions)),
      medianPurgerCpuMs: medianOrNull(mine.map((r) => r.purgerCpuMs)),
      medianServerCpuMs: medianOrNull(mine.map((r) => r.serverCpuMs)),
    };
  });
  const pt = summaries.find((s) => s.id === 'pt-archiver');
  for (const s of summaries) {
    if (!pt) continue;
    s.ratioToPtArchiver = s.medianRowsPerSecond / pt.medianRowsPerSecond;
    s.p99RatioToPtArchiver = s.foreground.p99 / pt.foreground.p99;
  }
  return {
    rows: n,
    runsPerMethod: options.runs,
    cloneMethod: template.method,
    templateLoadSeconds: options.templateLoadSeconds,
    medianCloneSeconds: median(cloneMs) / 1000,
    idle: pooled(idleWindows),
    idleUpdates: pooled(idleWindows, 'update'),
    methods: summaries,
    runs,
  };
}

function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? median(known) : null;
}
