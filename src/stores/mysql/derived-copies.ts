import type { Pool, RowDataPacket } from 'mysql2/promise';
import { errorLine } from '../../lib/error-line.js';
import type { DerivedCopy, ShortestRetention } from '../purger.js';
import { formatDuration } from '../../lib/format-duration.js';

const VARIABLES = [
  'log_bin',
  'binlog_expire_logs_seconds',
  'expire_logs_days',
  'binlog_format',
  'general_log',
  'slow_query_log',
  'log_output',
];

/**
 * Copies MySQL keeps outside the tables: binary logs hold every deleted row as it was (in ROW
 * format the row itself, in STATEMENT format the statements that wrote it), and the general and
 * slow query logs hold statements with their values. Read from the server's variables.
 */
export async function mysqlCopies(pool: Pool, shortest: ShortestRetention | null): Promise<DerivedCopy[]> {
  let vars: Map<string, string>;
  try {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`,
      VARIABLES,
    );
    vars = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
  } catch (err) {
    return [
      {
        code: 'not-readable',
        store: 'mysql',
        message: `cannot read the MySQL server's log settings (${errorLine(err)}): check binary log retention and the general/slow query logs by hand`,
      },
    ];
  }
  const warnings: DerivedCopy[] = [];
  const on = (name: string) => ['on', '1'].includes((vars.get(name) ?? '').toLowerCase());
  if (on('log_bin')) {
    const seconds = Number(vars.get('binlog_expire_logs_seconds') ?? 0);
    const days = Number(vars.get('expire_logs_days') ?? 0);
    const keptMs = seconds > 0 ? seconds * 1000 : days > 0 ? days * 86400_000 : Number.POSITIVE_INFINITY;
    const setting = seconds > 0 ? `binlog_expire_logs_seconds = ${seconds}` : days > 0 ? `expire_logs_days = ${days}` : 'no expiry set';
    if (!shortest || keptMs > shortest.ms) {
      const kept = Number.isFinite(keptMs) ? formatDuration(keptMs) : 'until removed by hand';
      const against = shortest ? `, longer than the shortest retention (${shortest.label}, policy ${shortest.policy})` : '';
      warnings.push({
        code: 'mysql-binlog',
        store: 'mysql',
        message: `binary logs are kept ${kept} (${setting}, binlog_format = ${vars.get('binlog_format') ?? '?'})${against}: they hold the original rows of purged records, whatever the format`,
      });
    }
  }
  const output = vars.get('log_output') ?? '?';
  if (on('general_log')) {
    warnings.push({
      code: 'mysql-general-log',
      store: 'mysql',
      message: `the general query log is on (log_output = ${output}): it records every statement, with the values written, outside the worker's reach`,
    });
  }
  if (on('slow_query_log')) {
    warnings.push({
      code: 'mysql-slow-log',
      store: 'mysql',
      message: `the slow query log is on (log_output = ${output}): slow statements are recorded with their values, outside the worker's reach`,
    });
  }
  return warnings;
}
