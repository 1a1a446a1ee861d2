/**
 * `npm run bench`: the worker against pt-archiver, one DELETE and redis-cli on this machine.
 * Prints Markdown tables on stdout (progress on stderr) and writes the whole result as JSON to
 * bench/results/. Run it on an idle machine: the server counters it reads are global.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseBenchOptions } from './options.js';
import { runChild } from './support/child-process.js';
import { median } from './support/stats.js';
import { describeMachine, ensurePtArchiver, ensureServices, run } from './support/environment.js';
import { runMysqlBench, type MysqlBenchResult } from './mysql/mysql-bench.js';
import { runPartitionBench, type PartitionBenchResult } from './mysql/partition-bench.js';
import { runRedisBench, type RedisBenchResult } from './redis/redis-bench.js';
import { runMongoBench, type MongoBenchResult } from './mongo/mongo-bench.js';
import { runS3Bench, type S3BenchResult } from './s3/s3-bench.js';
import { runAuditBench, type AuditBenchResult } from './audit/audit-bench.js';
import { renderReport } from './report/render-report.js';
import type { BenchResult } from './report/bench-result.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  // `--render FILE`: print the tables of an earlier result again (no measurement).
  const renderAt = process.argv.indexOf('--render');
  if (renderAt >= 0) {
    const file = process.argv[renderAt + 1];
    if (!file) throw new Error('--render needs a bench/results/*.json file');
    process.stdout.write(renderReport(JSON.parse(await readFile(file, 'utf8')) as BenchResult));
    return;
  }
  const options = parseBenchOptions(process.argv.slice(2));
  const started = performance.now();
  await ensureServices(log);
  const ptArchiver = options.only.has('mysql') || options.only.has('partitions') ? await ensurePtArchiver(log) : 'not used';
  const redisVersion = (await run('redis-server', ['--version'])).trim();
  const mariadbVersion = (await run('mariadbd', ['--version']).catch(() => 'unknown')).trim();
  const starts: number[] = [];
  for (let i = 0; i < 3; i += 1) starts.push((await runChild(process.execPath, ['bin/retention.js', '--version'])).wallMs);
  const machine = await describeMachine({ mariadb: mariadbVersion, redis: redisVersion, ptArchiver, cliStartMs: median(starts) });
  log(`bench on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; ${machine.os}`);

  let mysqlResult: MysqlBenchResult | null = null;
  let redisResult: RedisBenchResult | null = null;
  let mongoResult: MongoBenchResult = { skipped: 'not selected (--only)' };
  if (options.only.has('mysql')) {
    mysqlResult = await runMysqlBench({
      serverUrl: options.mysqlUrl,
      rows: options.rows,
      memoryRows: options.memoryRows,
      runs: options.runs,
      steadyRuns: options.steadyRuns,
      probeRate: options.probeRate,
      quick: options.quick,
      log,
    });
  }
  let partitionResult: PartitionBenchResult | null = null;
  if (options.only.has('partitions')) {
    partitionResult = await runPartitionBench({
      serverUrl: options.mysqlUrl,
      rows: options.partitionRows,
      probeRate: options.probeRate,
      methods: options.partitionMethods,
      log,
    });
  }
  if (options.only.has('redis')) {
    redisResult = await runRedisBench({
      keys: options.redisKeys,
      memoryKeys: options.redisMemoryKeys,
      collections: options.redisCollections,
      mysqlServerUrl: options.mysqlUrl,
      log,
    });
  }
  if (options.only.has('mongo')) {
    mongoResult = await runMongoBench({ url: process.env.TEST_MONGO_URL, docs: options.mongoDocs, mysqlServerUrl: options.mysqlUrl, log });
  }

  let s3Result: S3BenchResult | null = null;
  if (options.only.has('s3'))
    s3Result = await runS3Bench({ objects: options.s3Objects, folders: options.s3Folders, mysqlServerUrl: options.mysqlUrl, log });
  let auditResult: AuditBenchResult | null = null;
  if (options.only.has('audit')) auditResult = await runAuditBench({ serverUrl: options.mysqlUrl, entries: options.auditEntries, log });

  const result: BenchResult = {
    options: { ...options, only: [...options.only] },
    machine,
    durationSeconds: (performance.now() - started) / 1000,
    mysql: mysqlResult,
    partitions: partitionResult,
    redis: redisResult,
    mongo: mongoResult,
    s3: s3Result,
    audit: auditResult,
  };
  const out = options.out ?? `bench/results/bench-${machine.date.replace(/[:.]/g, '-')}.json`;
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(renderReport(result));
  log(`bench finished in ${(result.durationSeconds / 60).toFixed(1)} min; JSON in ${out}`);
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
