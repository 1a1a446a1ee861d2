import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { allSamples, errorCount, ProbeClient } from '../probe/probe-client.js';
import { summarizeLatencies, type LatencySummary } from '../support/stats.js';
import { runWorkerCli, writeWorkerConfig } from '../support/worker-cli.js';
import { createBenchDatabase, waitForUndoPurge } from './bench-database.js';
import { ptArchiverMethod, type MethodContext, type MethodRun } from './purge-methods.js';
import { createRequestLogTable, fourteenDaysBefore, insertRows, TABLE, type TimeSpan } from './request-log-table.js';

/**
 * The partition scenario: the same N rows over 14 days, purged with a 7-day cutoff, from a table
 * partitioned by day twice — daily partitions at UTC midnight run at an arbitrary time of day
 * (the boundary day's due rows, on average half a day, go through the row walk), and the
 * recommended schedule: bounds at the cutoff's time of day minus 5 minutes, so the run comes a
 * few minutes after a partition boundary and the boundary partition holds minutes of due rows —
 * and from the reference, unpartitioned table (the worker's chunked walk, and pt-archiver, the
 * reference). One run of each by default: every run needs its own load of N rows, which is most
 * of the scenario's time.
 */
/** The scenario's methods, in the order they run (`--partition-methods` picks some of them). */
export const PARTITION_METHODS = [
  'worker-partitions',
  'worker-partitions-scheduled',
  'worker-partitions-counts-2',
  'worker-partitions-one-statement',
  'worker-rows',
  'pt-archiver',
] as const;
export type PartitionMethodId = (typeof PARTITION_METHODS)[number];

export interface PartitionMethodResult {
  id: PartitionMethodId;
  label: string;
  table: TableKind;
  loadSeconds: number;
  deleted: number;
  wallMs: number;
  rowsPerSecond: number;
  ratioToPtArchiver: number | null;
  /** Probe samples of the purge's own run. */
  foreground: LatencySummary;
  p99RatioToPtArchiver: number | null;
  /** Probe samples of the first FIXED_WINDOW_MS from the purge's start, or of the whole run if longer. */
  foregroundFixed: LatencySummary;
  fixedP99RatioToPtArchiver: number | null;
  /**
   * The partition phase alone, from the worker's `partitions purged` log line: rows dropped, the
   * preparation's time (the staging tables, or the one-statement removal's counts) and the
   * removal's (lock waits included; with exchanges, the staging tables' counts run inside it). The
   * rest of the wall time is the CLI's start, the checks and the row walk of the boundary partition.
   */
  partitionPhase: { rows: number; prepareMs: number; countMs: number; ddlMs: number; rowsPerSecond: number } | null;
  /** Where the partitioned runs' wall time went (see RunBreakdown). */
  breakdown: RunBreakdown | null;
  /** Partitions the worker dropped, with their exact row counts (from its run document). */
  partitions: Array<{ name: string; action: string; rows: number }>;
}

export interface PartitionBenchResult {
  rows: number;
  /** Daily partitions holding the 14 days (the first and last days are partial), plus MAXVALUE. */
  dailyPartitions: number;
  idle: LatencySummary;
  methods: PartitionMethodResult[];
}

export interface PartitionBenchOptions {
  serverUrl: string;
  rows: number;
  probeRate: number;
  /** The methods to run (each on its own load). @defaultValue all of PARTITION_METHODS */
  methods?: ReadonlySet<PartitionMethodId>;
  log: (line: string) => void;
}

/**
 * `partitioned`: daily partitions at UTC midnight on TO_DAYS(requested_at); `scheduled`: RANGE
 * COLUMNS(requested_at), daily bounds at the cutoff's time of day minus SCHEDULE_LEAD_MS.
 */
type TableKind = 'partitioned' | 'scheduled' | 'unpartitioned';

/**
 * A partitioned run's wall time, from the worker's log: the CLI's start (spawn to `policy run
 * started`: Node, modules, config, connections, the audit trail's `run-started`); the partition
 * walk's preparation (staging tables, or the one-statement removal's counts), its removal (with
 * exchanges, the exact counts of the staging tables run inside it) and its row walks (the boundary
 * partition, walked while the removal is prepared, then a walk of every due row); `walkMs`
 * overlaps `prepareMs` and `countMs` overlaps `ddlMs`, so the parts do not add up.
 */
export interface RunBreakdown {
  cliStartMs: number;
  prepareMs: number;
  countMs: number;
  ddlMs: number;
  walkMs: number;
  walkedRows: number;
  /** The longest one DDL statement held (or waited for) the table: what the foreground waits at most. */
  longestLockMs: number;
  /** First batch of the partition walk to its last. */
  purgeMs: number;
}

const DAY_MS = 86_400_000;
/** How long after a partition boundary the recommended schedule runs. */
const SCHEDULE_LEAD_MS = 5 * 60_000;
const FIXED_WINDOW_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The partitions of `span` for `kind`: per UTC day on TO_DAYS, or (`scheduled`) RANGE COLUMNS
 * bounds a day apart placed SCHEDULE_LEAD_MS before the time of day of the cutoff the worker
 * will compute (span.to minus the retention; it runs a load later, so its boundary partition
 * holds the lead plus the load's duration of due rows — the bench reports the rows it walked).
 */
function partitionClause(kind: 'partitioned' | 'scheduled', span: TimeSpan, retainDays: number): { clause: string; count: number } {
  const parts: string[] = [];
  if (kind === 'partitioned') {
    const first = Date.UTC(span.from.getUTCFullYear(), span.from.getUTCMonth(), span.from.getUTCDate());
    for (let day = first + DAY_MS; day <= span.to.getTime() + DAY_MS; day += DAY_MS) {
      const name = `p${new Date(day - DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
      parts.push(`PARTITION ${name} VALUES LESS THAN (TO_DAYS('${new Date(day).toISOString().slice(0, 10)}'))`);
    }
    return { clause: `RANGE (TO_DAYS(requested_at)) (${parts.join(', ')}, PARTITION pmax VALUES LESS THAN MAXVALUE)`, count: parts.length };
  }
  const boundary = span.to.getTime() - retainDays * DAY_MS - SCHEDULE_LEAD_MS;
  let bound = boundary - Math.floor((boundary - span.from.getTime()) / DAY_MS) * DAY_MS;
  if (bound <= span.from.getTime()) bound += DAY_MS;
  for (; bound <= span.to.getTime() + DAY_MS; bound += DAY_MS) {
    const text = new Date(bound).toISOString().slice(0, 19).replace('T', ' ');
    parts.push(`PARTITION p${String(parts.length).padStart(2, '0')} VALUES LESS THAN ('${text}')`);
  }
  return { clause: `RANGE COLUMNS (requested_at) (${parts.join(', ')}, PARTITION pmax VALUES LESS THAN (MAXVALUE))`, count: parts.length };
}

/** im_request_log, NOT NULL time in the primary key (MySQL requires it), partitioned by day over `span`. */
async function createPartitionedTable(pool: Pool, kind: 'partitioned' | 'scheduled', span: TimeSpan, retainDays: number): Promise<number> {
  const { clause, count } = partitionClause(kind, span, retainDays);
  await pool.query(`DROP TABLE IF EXISTS ${mysql.escapeId(TABLE)}`);
  await pool.query(`CREATE TABLE ${mysql.escapeId(TABLE)} (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      app_id BIGINT UNSIGNED NOT NULL,
      client_ip VARBINARY(16) NOT NULL,
      interface_name VARCHAR(128) NOT NULL,
      requested_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id, requested_at),
      KEY idx_im_request_log_requested_at (requested_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
    PARTITION BY ${clause}`);
  return count;
}

/** The `partitions purged` log line of a worker run (pino JSON on stderr), summed. */
type PhaseTiming = { rows: number; prepareMs: number; countMs: number; ddlMs: number; locksMs: number[] };
function partitionPhase(stderr: string): PhaseTiming | null {
  const found: PhaseTiming = { rows: 0, prepareMs: 0, countMs: 0, ddlMs: 0, locksMs: [] };
  let seen = false;
  for (const line of stderr.split('\n')) {
    if (!line.includes('"partitions purged"')) continue;
    const entry = JSON.parse(line) as {
      partitions: Array<{ action: string; rows: number }>;
      prepareMs: number;
      countMs: number;
      ddlMs: number;
      locksMs?: number[];
    };
    found.rows += entry.partitions.filter((p) => p.action === 'dropped' || p.action === 'truncated').reduce((n, p) => n + p.rows, 0);
    found.prepareMs += entry.prepareMs;
    found.countMs += entry.countMs;
    found.ddlMs += entry.ddlMs;
    found.locksMs.push(...(entry.locksMs ?? []));
    seen = true;
  }
  return seen ? found : null;
}

/** The breakdown of a partitioned run from its log lines; `spawnedAt` is the wall clock at spawn. */
function runBreakdown(stderr: string, spawnedAt: number): RunBreakdown | null {
  let cliStartMs: number | null = null;
  let finished: {
    prepareMs: number;
    countMs: number;
    ddlMs: number;
    longestLockMs?: number;
    walkMs: number;
    walkedRows: number;
    wallMs: number;
  } | null = null;
  for (const line of stderr.split('\n')) {
    if (line.includes('"policy run started"') && cliStartMs === null) {
      cliStartMs = Date.parse((JSON.parse(line) as { time: string }).time) - spawnedAt;
    }
    if (line.includes('"partition purge finished"')) finished = JSON.parse(line) as typeof finished;
  }
  if (cliStartMs === null || !finished) return null;
  const { prepareMs, countMs, ddlMs, longestLockMs, walkMs, walkedRows, wallMs } = finished;
  return { cliStartMs, prepareMs, countMs, ddlMs, longestLockMs: longestLockMs ?? ddlMs, walkMs, walkedRows, purgeMs: wallMs };
}

export async function runPartitionBench(options: PartitionBenchOptions): Promise<PartitionBenchResult> {
  const { log, rows } = options;
  const db = await createBenchDatabase(options.serverUrl);
  const dir = await mkdtemp(join(tmpdir(), 'retention-bench-partitions-'));
  let probe: ProbeClient | null = null;
  try {
    const ctx: MethodContext = { pool: db.pool, url: db.url, database: db.name, retainDays: 7, dir };
    const policy = (name: string, partitions: Record<string, unknown> | undefined) => [
      {
        name,
        retain: { days: ctx.retainDays },
        targets: [{ store: 'mysql', table: TABLE, time: 'requested_at', batchSize: 1000, ...(partitions ? { partitions } : {}) }],
      },
    ];
    const dropConfig = await writeWorkerConfig(dir, 'partitions', { mysqlUrl: db.url, policies: policy('bench', undefined) });
    const oneStatementConfig = await writeWorkerConfig(dir, 'partitions-one-statement', {
      mysqlUrl: db.url,
      policies: policy('bench', { exchange: false }),
    });
    const countsTwoConfig = await writeWorkerConfig(dir, 'partitions-counts-2', {
      mysqlUrl: db.url,
      policies: policy('bench', { countConcurrency: 2 }),
    });
    const rowsConfig = await writeWorkerConfig(dir, 'rows', { mysqlUrl: db.url, policies: policy('bench', { action: 'off' }) });
    const pt = await ptArchiverMethod(ctx);
    const keptIds = { from: BigInt(Math.ceil(rows * 0.55)), to: BigInt(rows) };

    let dailyPartitions = 0;
    const idleSamples: number[] = [];
    let idleErrors = 0;
    const results: PartitionMethodResult[] = [];
    const allPlans: Array<{ id: PartitionMethodId; label: string; table: TableKind; config?: string }> = [
      {
        id: 'worker-partitions',
        label: 'worker, daily partitions at UTC midnight, run at an arbitrary time of day (the boundary day is row-walked)',
        table: 'partitioned',
        config: dropConfig,
      },
      {
        id: 'worker-partitions-scheduled',
        label: "worker, recommended schedule: daily partitions bounded 5 min before the cutoff's time of day",
        table: 'scheduled',
        config: dropConfig,
      },
      {
        id: 'worker-partitions-counts-2',
        label: 'worker, recommended schedule, `countConcurrency: 2` (two staging tables counted at once)',
        table: 'scheduled',
        config: countsTwoConfig,
      },
      {
        id: 'worker-partitions-one-statement',
        label: 'worker, recommended schedule, `exchange: false` (one DROP PARTITION of all due partitions)',
        table: 'scheduled',
        config: oneStatementConfig,
      },
      {
        id: 'worker-rows',
        label: 'worker, unpartitioned table (chunked walk, batchSize 1000)',
        table: 'unpartitioned',
        config: rowsConfig,
      },
      { id: 'pt-archiver', label: 'pt-archiver --bulk-delete --limit 1000, unpartitioned table', table: 'unpartitioned' },
    ];
    const plans = allPlans.filter((plan) => options.methods?.has(plan.id) ?? true);
    for (const plan of plans) {
      log(`partitions: loading ${rows} rows (${plan.table}) for ${plan.id}…`);
      const span = fourteenDaysBefore(new Date());
      const started = performance.now();
      if (plan.table === 'unpartitioned') await createRequestLogTable(db.pool, TABLE);
      else dailyPartitions = await createPartitionedTable(db.pool, plan.table, span, ctx.retainDays);
      await insertRows(db.pool, TABLE, rows, span, 1n);
      await db.pool.query(`ANALYZE TABLE ${mysql.escapeId(TABLE)}`);
      const loadSeconds = (performance.now() - started) / 1000;
      log(`  loaded in ${loadSeconds.toFixed(1)} s`);
      await waitForUndoPurge(db.pool);

      // A probe per table: each method gets a freshly loaded one.
      probe = await ProbeClient.start({ mode: 'mysql', url: db.url, table: TABLE, rate: options.probeRate });
      await probe.resume(keptIds);
      await sleep(1000);
      await probe.mark();
      await sleep(3000);
      const idle = await probe.collect();
      idleSamples.push(...allSamples(idle));
      idleErrors += errorCount(idle);
      await probe.mark();
      let run: MethodRun;
      let partitions: PartitionMethodResult['partitions'] = [];
      let phase: PhaseTiming | null = null;
      let breakdown: RunBreakdown | null = null;
      if (!plan.config) {
        run = await pt.run();
      } else {
        const spawnedAt = Date.now();
        const worker = await runWorkerCli(plan.config, undefined, 'info');
        phase = partitionPhase(worker.stderr);
        breakdown = runBreakdown(worker.stderr, spawnedAt);
        partitions = worker.targets.flatMap((t) => (t.partitions ?? []).map((p) => ({ name: p.name, action: p.action, rows: p.rows })));
        run = {
          deleted: worker.deleted,
          wallMs: worker.wallMs,
          purgeMs: worker.wallMs,
          peakRssKib: worker.peakRssKib,
          cpuMs: worker.cpuMs,
        };
      }
      const window = await probe.collect();
      // The application's view over a fixed span too: a purge of 2 s and one of 50 s are judged
      // on at least the same 10 s (a short purge's stall is a larger share of its own short run).
      await probe.mark();
      await sleep(Math.max(0, FIXED_WINDOW_MS - run.wallMs));
      const rest = await probe.collect();
      await probe.stop();
      probe = null;
      const foreground = summarizeLatencies(allSamples(window), errorCount(window));
      const foregroundFixed = summarizeLatencies([...allSamples(window), ...allSamples(rest)], errorCount(window) + errorCount(rest));
      const rowsPerSecond = run.deleted / (run.wallMs / 1000);
      results.push({
        ...plan,
        loadSeconds,
        deleted: run.deleted,
        wallMs: run.wallMs,
        rowsPerSecond,
        ratioToPtArchiver: null,
        foreground,
        p99RatioToPtArchiver: null,
        foregroundFixed,
        fixedP99RatioToPtArchiver: null,
        partitions,
        partitionPhase: phase ? { ...phase, rowsPerSecond: phase.rows / ((phase.prepareMs + phase.ddlMs) / 1000) } : null,
        breakdown,
      });
      log(
        `  ${plan.id}: ${run.deleted} rows in ${(run.wallMs / 1000).toFixed(2)} s = ${Math.round(rowsPerSecond)} rows/s, fg p50/p99 ${foreground.p50.toFixed(1)} / ${foreground.p99.toFixed(1)} ms (≥ 10 s: p99 ${foregroundFixed.p99.toFixed(1)} ms)` +
          (partitions.length > 0 ? `; ${partitions.filter((p) => p.action === 'dropped').length} partitions dropped` : ''),
      );
      if (breakdown) {
        const s = (ms: number) => (ms / 1000).toFixed(2);
        log(
          `    CLI start ${s(breakdown.cliStartMs)} s; partition walk ${s(breakdown.purgeMs)} s: preparing ${s(breakdown.prepareMs)} s (beside it, ` +
            `row walks ${s(breakdown.walkMs)} s for ${breakdown.walkedRows} rows), removal ${s(breakdown.ddlMs)} s, exact counts ${s(breakdown.countMs)} s ` +
            `(inside the removal with exchanges, the preparation otherwise; longest table lock ${breakdown.longestLockMs} ms` +
            (phase && phase.locksMs.length > 0 ? `; each: ${phase.locksMs.join(', ')} ms` : '') +
            ')',
        );
      }
      await db.pool.query(`DROP TABLE ${mysql.escapeId(TABLE)}`);
    }
    const ptResult = results.find((r) => r.id === 'pt-archiver');
    for (const r of results) {
      if (!ptResult) continue;
      r.ratioToPtArchiver = r.rowsPerSecond / ptResult.rowsPerSecond;
      r.p99RatioToPtArchiver = r.foreground.p99 / ptResult.foreground.p99;
      r.fixedP99RatioToPtArchiver = r.foregroundFixed.p99 / ptResult.foregroundFixed.p99;
    }
    const [version] = await db.pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
    log(`partitions: done on ${String(version[0]?.v)}`);
    return { rows, dailyPartitions, idle: summarizeLatencies(idleSamples, idleErrors), methods: results };
  } finally {
    await probe?.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
