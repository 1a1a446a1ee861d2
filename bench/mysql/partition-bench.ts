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
 * The partition scenario: the same N rows over 14 days, purged with a 7-day cutoff, once from a
 * table RANGE-partitioned by day on TO_DAYS(requested_at) (the worker drops the wholly due
 * partitions) and once from the reference, unpartitioned table (the worker's chunked walk, and
 * pt-archiver, the reference). One run of each by default: every run needs its own load of N
 * rows, which is most of the scenario's time.
 */
export interface PartitionMethodResult {
  id: 'worker-partitions' | 'worker-rows' | 'pt-archiver';
  label: string;
  table: 'partitioned' | 'unpartitioned';
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
   * exact counts' time and the DDL's (lock wait included). The rest of the wall time is the CLI's
   * start, the checks and the row walk of the boundary partition.
   */
  partitionPhase: { rows: number; countMs: number; ddlMs: number; rowsPerSecond: number } | null;
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
  log: (line: string) => void;
}

const DAY_MS = 86_400_000;
const FIXED_WINDOW_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** im_request_log, NOT NULL time in the primary key (MySQL requires it), partitioned per UTC day of `span`. */
async function createPartitionedTable(pool: Pool, span: TimeSpan): Promise<number> {
  const first = Date.UTC(span.from.getUTCFullYear(), span.from.getUTCMonth(), span.from.getUTCDate());
  const parts: string[] = [];
  for (let day = first + DAY_MS; day <= span.to.getTime() + DAY_MS; day += DAY_MS) {
    const name = `p${new Date(day - DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
    parts.push(`PARTITION ${name} VALUES LESS THAN (TO_DAYS('${new Date(day).toISOString().slice(0, 10)}'))`);
  }
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
    PARTITION BY RANGE (TO_DAYS(requested_at)) (${parts.join(', ')}, PARTITION pmax VALUES LESS THAN MAXVALUE)`);
  return parts.length;
}

/** The `partitions purged` log line of a worker run (pino JSON on stderr), summed. */
type PhaseTiming = { rows: number; countMs: number; ddlMs: number };
function partitionPhase(stderr: string): PhaseTiming | null {
  const found: PhaseTiming = { rows: 0, countMs: 0, ddlMs: 0 };
  let seen = false;
  for (const line of stderr.split('\n')) {
    if (!line.includes('"partitions purged"')) continue;
    const entry = JSON.parse(line) as { partitions: Array<{ action: string; rows: number }>; countMs: number; ddlMs: number };
    found.rows += entry.partitions.filter((p) => p.action === 'dropped' || p.action === 'truncated').reduce((n, p) => n + p.rows, 0);
    found.countMs += entry.countMs;
    found.ddlMs += entry.ddlMs;
    seen = true;
  }
  return seen ? found : null;
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
    const rowsConfig = await writeWorkerConfig(dir, 'rows', { mysqlUrl: db.url, policies: policy('bench', { action: 'off' }) });
    const pt = await ptArchiverMethod(ctx);
    const keptIds = { from: BigInt(Math.ceil(rows * 0.55)), to: BigInt(rows) };

    let dailyPartitions = 0;
    const idleSamples: number[] = [];
    let idleErrors = 0;
    const results: PartitionMethodResult[] = [];
    const plans: Array<{ id: PartitionMethodResult['id']; label: string; table: PartitionMethodResult['table'] }> = [
      { id: 'worker-partitions', label: 'worker, partitioned table (drops wholly due partitions)', table: 'partitioned' },
      { id: 'worker-rows', label: 'worker, unpartitioned table (chunked walk, batchSize 1000)', table: 'unpartitioned' },
      { id: 'pt-archiver', label: 'pt-archiver --bulk-delete --limit 1000, unpartitioned table', table: 'unpartitioned' },
    ];
    for (const plan of plans) {
      log(`partitions: loading ${rows} rows (${plan.table}) for ${plan.id}…`);
      const span = fourteenDaysBefore(new Date());
      const started = performance.now();
      if (plan.table === 'partitioned') dailyPartitions = await createPartitionedTable(db.pool, span);
      else await createRequestLogTable(db.pool, TABLE);
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
      if (plan.id === 'pt-archiver') {
        run = await pt.run();
      } else {
        const worker = await runWorkerCli(plan.id === 'worker-partitions' ? dropConfig : rowsConfig, undefined, 'info');
        phase = partitionPhase(worker.stderr);
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
        partitionPhase: phase ? { ...phase, rowsPerSecond: phase.rows / ((phase.countMs + phase.ddlMs) / 1000) } : null,
      });
      log(
        `  ${plan.id}: ${run.deleted} rows in ${(run.wallMs / 1000).toFixed(2)} s = ${Math.round(rowsPerSecond)} rows/s, fg p50/p99 ${foreground.p50.toFixed(1)} / ${foreground.p99.toFixed(1)} ms (≥ 10 s: p99 ${foregroundFixed.p99.toFixed(1)} ms)` +
          (partitions.length > 0 ? `; ${partitions.filter((p) => p.action === 'dropped').length} partitions dropped` : ''),
      );
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
