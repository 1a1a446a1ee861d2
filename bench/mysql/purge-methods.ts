import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2';
import type { TargetResult } from '../../src/types.js';
import { runChild, tail } from '../support/child-process.js';
import { runWorkerCli, writeWorkerConfig } from '../support/worker-cli.js';
import { TABLE } from './request-log-table.js';

/** What one purge run did. */
export interface MethodRun {
  deleted: number;
  /** Wall time of the whole method (process start to exit for child processes), ms. */
  wallMs: number;
  /**
   * Time spent purging, ms: the worker's own target time (check + walk, from its run document),
   * which is what a scheduled run costs inside the long-running worker; the wall time otherwise.
   */
  purgeMs: number;
  /** Peak resident memory of the purging process, KiB; null when it ran inside the server. */
  peakRssKib: number | null;
  /** CPU time of the purging process, ms; null when it ran inside the server. */
  cpuMs: number | null;
}

export interface PurgeMethod {
  id: string;
  label: string;
  run(): Promise<MethodRun>;
}

export interface MethodContext {
  pool: Pool;
  /** `mysql://…/<database>` of the bench database. */
  url: string;
  database: string;
  retainDays: number;
  /** Scratch directory for configs and pt-archiver's files. */
  dir: string;
}

/** The worker as users run it: `retention run --json` with a generated config. */
export async function workerMethod(
  ctx: MethodContext,
  id: string,
  label: string,
  batchSize: number,
  adaptive?: boolean,
): Promise<PurgeMethod> {
  const config = await writeWorkerConfig(ctx.dir, id, {
    mysqlUrl: ctx.url,
    ...(adaptive === undefined ? {} : { mysqlAdaptive: adaptive }),
    policies: [
      { name: 'bench', retain: { days: ctx.retainDays }, targets: [{ store: 'mysql', table: TABLE, time: 'requested_at', batchSize }] },
    ],
  });
  return {
    id,
    label,
    async run() {
      const result = await runWorkerCli(config);
      const purgeMs = result.targets.reduce((sum, t) => sum + t.durationMs, 0);
      return { deleted: result.deleted, wallMs: result.wallMs, purgeMs, peakRssKib: result.peakRssKib, cpuMs: result.cpuMs };
    },
  };
}

/** The engine's target loop with `adaptiveBatchSize` set explicitly (not a config-file option). */
export function walkMethod(ctx: MethodContext, id: string, label: string, batchSize: number, adaptive: boolean): PurgeMethod {
  const input = { url: ctx.url, table: TABLE, time: 'requested_at', batchSize, adaptive, retainDays: ctx.retainDays };
  return {
    id,
    label,
    async run() {
      const result = await runChild(process.execPath, ['dist/bench/mysql/walk-child.js'], { env: { BENCH_WALK: JSON.stringify(input) } });
      if (result.code !== 0) throw new Error(`${label} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`);
      const target = JSON.parse(result.stdout) as TargetResult;
      return {
        deleted: target.deleted,
        wallMs: result.wallMs,
        purgeMs: target.durationMs,
        peakRssKib: result.peakRssKib,
        cpuMs: result.cpuMs,
      };
    },
  };
}

/** The cutoff as the server sees it, written as a DATETIME literal for pt-archiver's --where. */
async function serverCutoffLiteral(pool: Pool, retainDays: number): Promise<string> {
  const [rows] = await pool.query<RowDataPacket[]>("SELECT DATE_FORMAT(UTC_TIMESTAMP(3) - INTERVAL ? DAY, '%Y-%m-%d %H:%i:%s.%f') AS c", [
    retainDays,
  ]);
  return String(rows[0]?.c).slice(0, 23);
}

/**
 * Percona's pt-archiver, as the research measured it. `--charset utf8mb4` because it aborts on
 * utf8mb4 tables otherwise; a private `--sentinel` path so a stale stop file can never make a run
 * silently do nothing; a defaults file carries a password, never the command line.
 */
export async function ptArchiverMethod(ctx: MethodContext, options: { extraArgs?: string[] } = {}): Promise<PurgeMethod> {
  const url = new URL(ctx.url);
  const defaultsFile = join(ctx.dir, 'pt-archiver.cnf');
  await writeFile(
    defaultsFile,
    `[client]\nuser=${decodeURIComponent(url.username || 'root')}\npassword=${decodeURIComponent(url.password)}\n`,
    { mode: 0o600 },
  );
  const dsn = [`h=${url.hostname}`, `P=${url.port || '3306'}`, `F=${defaultsFile}`, `D=${ctx.database}`, `t=${TABLE}`].join(',');
  const sentinel = join(ctx.dir, 'pt-archiver-sentinel');
  return {
    id: 'pt-archiver',
    label: 'pt-archiver --bulk-delete --limit 1000',
    async run() {
      await rm(sentinel, { force: true });
      const cutoff = await serverCutoffLiteral(ctx.pool, ctx.retainDays);
      const args = [
        '--source',
        dsn,
        '--purge',
        '--where',
        `requested_at < '${cutoff}'`,
        '--bulk-delete',
        '--primary-key-only',
        '--limit',
        '1000',
        '--commit-each',
        '--charset',
        'utf8mb4',
        '--no-version-check',
        '--sentinel',
        sentinel,
        '--statistics',
        ...(options.extraArgs ?? []),
      ];
      const result = await runChild('pt-archiver', args);
      if (result.code !== 0) throw new Error(`pt-archiver failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`);
      const deleted = Number(/^DELETE\s+(\d+)/m.exec(result.stdout)?.[1] ?? NaN);
      return { deleted, wallMs: result.wallMs, purgeMs: result.wallMs, peakRssKib: result.peakRssKib, cpuMs: result.cpuMs };
    },
  };
}

/** One `DELETE … WHERE requested_at < cutoff`: fastest, and locks kept rows it scans under REPEATABLE READ. */
export function oneDeleteMethod(ctx: MethodContext): PurgeMethod {
  return {
    id: 'one-delete',
    label: 'one DELETE',
    async run() {
      const started = performance.now();
      const [result] = await ctx.pool.query<ResultSetHeader>(
        `DELETE FROM ${mysql.escapeId(TABLE)} WHERE requested_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY`,
        [ctx.retainDays],
      );
      const wallMs = performance.now() - started;
      return { deleted: result.affectedRows, wallMs, purgeMs: wallMs, peakRssKib: null, cpuMs: null };
    },
  };
}
