import mysql from 'mysql2';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { median } from '../support/stats.js';
import { statusDelta, statusSnapshot, waitForUndoPurge } from './bench-database.js';
import type { PurgeMethod } from './purge-methods.js';
import { createRequestLogTable, insertRows, TABLE } from './request-log-table.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const DUE_COPY = 'bench_due_hour';

export interface SteadyStateRun {
  method: string;
  round: number;
  deleted: number;
  wallMs: number;
  purgeMs: number;
  handlerReads: number;
}

export interface SteadyStateMethodSummary {
  id: string;
  label: string;
  medianDeleted: number;
  medianWallMs: number;
  /** See MethodRun.purgeMs: the worker's time inside a running worker, the wall time of the others. */
  medianPurgeMs: number;
  medianHandlerReads: number;
  /** Server row reads per row deleted. */
  readsPerDeleted: number;
  /** pt-archiver's median wall time over this method's median purge time. */
  speedupOverPtArchiver: number | null;
}

export interface SteadyStateResult {
  /** Rows in the table when a run starts (7 days + 1 hour). */
  tableRows: number;
  /** Rows one hour adds (and one run has due). */
  hourRows: number;
  runsPerMethod: number;
  methods: SteadyStateMethodSummary[];
  runs: SteadyStateRun[];
}

/**
 * The hourly run in production: the backlog is gone (a table that went through a 7-day purge an
 * hour ago), one hour of new rows has arrived, and the oldest hour is now due. The due hour is
 * kept aside and put back before each run, so every method deletes the same rows.
 */
export async function runSteadyStateScenario(options: {
  pool: Pool;
  rows: number;
  methods: PurgeMethod[];
  runs: number;
  log: (line: string) => void;
}): Promise<SteadyStateResult> {
  const { pool, rows, log } = options;
  const hourRows = Math.round(rows / (14 * 24));
  const [nowRows] = await pool.query<RowDataPacket[]>('SELECT UTC_TIMESTAMP(3) AS now');
  const now = nowRows[0]?.now as Date;
  const anHourAgo = new Date(now.getTime() - HOUR_MS);

  // 14 days as they stood an hour ago, then the purge of that time (not measured), then the new hour.
  await createRequestLogTable(pool, TABLE);
  await insertRows(pool, TABLE, rows, { from: new Date(anHourAgo.getTime() - 14 * DAY_MS), to: anHourAgo }, 1n);
  const oldCutoff = new Date(anHourAgo.getTime() - 7 * DAY_MS);
  for (let from = 1; from <= rows; from += 20_000) {
    const [result] = await pool.query<ResultSetHeader>(
      `DELETE FROM ${mysql.escapeId(TABLE)} WHERE id BETWEEN ? AND ? AND requested_at < ?`,
      [from, from + 19_999, oldCutoff],
    );
    if (result.affectedRows === 0 && from > rows / 2) break;
  }
  await insertRows(pool, TABLE, hourRows, { from: anHourAgo, to: now }, BigInt(rows + 1));
  // Rows due now, plus the 10 minutes that fall due while the runs go on.
  await pool.query(`DROP TABLE IF EXISTS ${mysql.escapeId(DUE_COPY)}`);
  await pool.query(`CREATE TABLE ${mysql.escapeId(DUE_COPY)} LIKE ${mysql.escapeId(TABLE)}`);
  await pool.query(
    `INSERT INTO ${mysql.escapeId(DUE_COPY)} SELECT * FROM ${mysql.escapeId(TABLE)} WHERE requested_at < UTC_TIMESTAMP(3) - INTERVAL 7 DAY + INTERVAL 10 MINUTE`,
  );
  await pool.query(`ANALYZE TABLE ${mysql.escapeId(TABLE)}`);
  const [countRows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${mysql.escapeId(TABLE)}`);
  const tableRows = Number(countRows[0]?.n ?? 0);
  log(`  steady state: ${tableRows} rows, ${hourRows} new in the last hour`);

  const runs: SteadyStateRun[] = [];
  for (let round = 1; round <= options.runs; round += 1) {
    for (const method of options.methods) {
      await pool.query(`INSERT IGNORE INTO ${mysql.escapeId(TABLE)} SELECT * FROM ${mysql.escapeId(DUE_COPY)}`);
      await waitForUndoPurge(pool, { below: 200 });
      const before = await statusSnapshot(pool);
      const result = await method.run();
      const after = await statusSnapshot(pool);
      const run = {
        method: method.id,
        round,
        deleted: result.deleted,
        wallMs: result.wallMs,
        purgeMs: result.purgeMs,
        handlerReads: statusDelta(before, after).handlerReads,
      };
      runs.push(run);
      log(
        `  steady round ${round} ${method.id}: ${run.deleted} rows in ${(run.purgeMs / 1000).toFixed(3)} s (process ${(run.wallMs / 1000).toFixed(3)} s), ${run.handlerReads} rows read`,
      );
    }
  }
  await pool.query(`DROP TABLE IF EXISTS ${mysql.escapeId(DUE_COPY)}`);

  const methods = options.methods.map((method): SteadyStateMethodSummary => {
    const mine = runs.filter((r) => r.method === method.id);
    const medianDeleted = median(mine.map((r) => r.deleted));
    const medianHandlerReads = median(mine.map((r) => r.handlerReads));
    return {
      id: method.id,
      label: method.label,
      medianDeleted,
      medianWallMs: median(mine.map((r) => r.wallMs)),
      medianPurgeMs: median(mine.map((r) => r.purgeMs)),
      medianHandlerReads,
      readsPerDeleted: medianHandlerReads / Math.max(1, medianDeleted),
      speedupOverPtArchiver: null,
    };
  });
  const pt = methods.find((m) => m.id === 'pt-archiver');
  for (const m of methods) if (pt) m.speedupOverPtArchiver = pt.medianWallMs / m.medianPurgeMs;
  return { tableRows, hourRows, runsPerMethod: options.runs, methods, runs };
}
