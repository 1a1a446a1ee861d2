import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { ProbeClient } from '../probe/probe-client.js';
import { createBenchDatabase, serverCpuReader } from './bench-database.js';
import { runBacklogScenario, type BacklogResult } from './backlog-scenario.js';
import { runMemoryScenario, type MemoryRun } from './memory-scenario.js';
import { oneDeleteMethod, ptArchiverMethod, walkMethod, workerMethod, type MethodContext } from './purge-methods.js';
import { fourteenDaysBefore, RequestLogTemplate, TABLE } from './request-log-table.js';
import { runSteadyStateScenario, type SteadyStateResult } from './steady-state-scenario.js';

export interface MysqlBenchResult {
  server: { version: string; bufferPoolMiB: number; isolation: string; binlog: string };
  backlog: BacklogResult;
  steadyState: SteadyStateResult;
  memory: MemoryRun[];
}

export interface MysqlBenchOptions {
  serverUrl: string;
  rows: number;
  memoryRows: number;
  runs: number;
  steadyRuns: number;
  probeRate: number;
  quick: boolean;
  log: (line: string) => void;
}

/** The MySQL scenarios, in a private database dropped at the end (even on failure). */
export async function runMysqlBench(options: MysqlBenchOptions): Promise<MysqlBenchResult> {
  const { log } = options;
  const db = await createBenchDatabase(options.serverUrl);
  const dir = await mkdtemp(join(tmpdir(), 'retention-bench-run-'));
  let probe: ProbeClient | null = null;
  try {
    // MariaDB 10.11 names the isolation tx_isolation, MySQL 8 transaction_isolation.
    const [vars] = await db.pool.query<RowDataPacket[]>(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'innodb_buffer_pool_size', 'tx_isolation', 'transaction_isolation', 'log_bin')",
    );
    const v = new Map(vars.map((row) => [String(row.Variable_name), String(row.Value)]));
    const server = {
      version: v.get('version') ?? '?',
      bufferPoolMiB: Number(v.get('innodb_buffer_pool_size')) / 2 ** 20,
      isolation: v.get('transaction_isolation') ?? v.get('tx_isolation') ?? '?',
      binlog: v.get('log_bin') ?? '?',
    };
    log(
      `MySQL: ${server.version}, buffer pool ${server.bufferPoolMiB} MiB, ${server.isolation}, binlog ${server.binlog}; database ${db.name}`,
    );

    const ctx: MethodContext = { pool: db.pool, url: db.url, database: db.name, retainDays: 7, dir };
    const defaults = await workerMethod(ctx, 'worker-defaults', 'worker, defaults (batchSize 1000, fixed chunks)', 1000);
    const tuned = await workerMethod(ctx, 'worker-tuned', 'worker, tuned (batchSize 5000, adaptiveBatchSize)', 5000, true);
    const fixed = walkMethod(ctx, 'worker-adaptive-1000', 'worker loop, batchSize 1000 with adaptive chunks', 1000, true);
    const pt = await ptArchiverMethod(ctx);
    const oneDelete = oneDeleteMethod(ctx);

    log(`loading ${options.rows} rows over 14 days…`);
    let started = performance.now();
    const template = await RequestLogTemplate.load(
      db.pool,
      db.name,
      'bench_template',
      options.rows,
      fourteenDaysBefore(new Date()),
      db.local,
    );
    const templateLoadSeconds = (performance.now() - started) / 1000;
    log(`  loaded in ${templateLoadSeconds.toFixed(1)} s; fresh copies by ${template.method}`);

    await template.cloneTo(TABLE);
    probe = await ProbeClient.start({ mode: 'mysql', url: db.url, table: TABLE, rate: options.probeRate });
    const backlog = await runBacklogScenario({
      pool: db.pool,
      template,
      templateLoadSeconds,
      methods: [defaults, tuned, fixed, pt, oneDelete],
      runs: options.runs,
      probe,
      idleWindowMs: options.quick ? 1000 : 4000,
      serverCpu: await serverCpuReader(db.pool),
      log,
    });
    await probe.stop();
    probe = null;
    await template.dispose();

    log(`memory: ${options.memoryRows} rows…`);
    started = performance.now();
    const big = await RequestLogTemplate.load(
      db.pool,
      db.name,
      'bench_template_big',
      options.memoryRows,
      fourteenDaysBefore(new Date()),
      db.local,
    );
    log(`  loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const memory = await runMemoryScenario({ pool: db.pool, template: big, methods: [defaults, tuned], log });
    await big.dispose();

    log(`steady state: ${options.rows} rows…`);
    const steadyState = await runSteadyStateScenario({
      pool: db.pool,
      rows: options.rows,
      methods: [defaults, tuned, pt, oneDelete],
      runs: options.steadyRuns,
      log,
    });
    return { server, backlog, steadyState, memory };
  } finally {
    await probe?.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
