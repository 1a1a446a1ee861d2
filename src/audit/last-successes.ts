import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';
import { isoFromColumn } from './entry-row.js';

/** How far back, in `run-finished` entries per policy, a last success is looked for. */
const LOOK_BACK = 200;

/**
 * When each policy last finished a run with status `succeeded` (not a dry run), from the trail
 * itself: the console's Promises page shows it whether or not a worker (and its Redis copy of the
 * same fact) is running. Policies with no such run in their last 200 finishes are absent.
 */
export async function lastSuccesses(pool: Pool, tables: AuditTables, policies: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const policy of policies) {
    let rows: RowDataPacket[];
    try {
      [rows] = await pool.query<RowDataPacket[]>(
        `SELECT DATE_FORMAT(\`recorded_at\`, '%Y-%m-%d %H:%i:%s.%f') AS \`at\`, \`entry\` FROM ${tables.audit}
         WHERE \`policy\` = ? AND \`kind\` = 'run-finished' ORDER BY \`id\` DESC LIMIT ${LOOK_BACK}`,
        [policy],
      );
    } catch (err) {
      throw auditStoreError('cannot read the last successful runs', tables, err);
    }
    for (const row of rows) {
      const entry = JSON.parse(String(row.entry)) as { dryRun?: boolean; data?: { status?: string } };
      if (entry.dryRun !== true && entry.data?.status === 'succeeded') {
        found.set(policy, isoFromColumn(String(row.at)));
        break;
      }
    }
  }
  return found;
}
