import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';
import { isoFromColumn } from './entry-row.js';

/** A run of one policy (`policy` null: the entries about the whole run). */
export interface RunKey {
  runId: string;
  policy: string | null;
}

/** `runId␀policy`: the key `findRunStarts` answers by. */
export function runKey(run: RunKey): string {
  return `${run.runId}\u0000${run.policy ?? ''}`;
}

/**
 * When each run started, from its `run-started` entry, wherever that entry lies: a listing
 * whose range begins in the middle of a run still shows the run's real start.
 */
export async function findRunStarts(pool: Pool, tables: AuditTables, runs: readonly RunKey[]): Promise<Map<string, Date>> {
  const starts = new Map<string, Date>();
  const ids = [...new Set(runs.map((r) => r.runId))];
  try {
    // In slices, so that one query never carries thousands of parameters.
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT \`run_id\`, \`policy\`, DATE_FORMAT(MIN(\`recorded_at\`), '%Y-%m-%d %H:%i:%s.%f') AS \`at\` FROM ${tables.audit}
         WHERE \`run_id\` IN (?) AND \`kind\` = 'run-started' GROUP BY \`run_id\`, \`policy\``,
        [slice],
      );
      for (const row of rows) {
        starts.set(
          runKey({ runId: String(row.run_id), policy: row.policy === null ? null : String(row.policy) }),
          new Date(isoFromColumn(String(row.at))),
        );
      }
    }
  } catch (err) {
    throw auditStoreError('cannot look up run starts in the audit trail', tables, err);
  }
  return starts;
}
