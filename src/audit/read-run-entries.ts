import type { Pool } from 'mysql2/promise';
import type { AuditRecord } from './audit-entry.js';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';
import { ENTRY_COLUMNS, recordFromRow, type EntryRow } from './entry-row.js';

/** Every entry of one run (all its policies), in chain order; `kind` narrows it. */
export async function readRunEntries(
  pool: Pool,
  tables: AuditTables,
  runId: string,
  options: { policy?: string; kind?: string } = {},
): Promise<AuditRecord[]> {
  const where = ['`run_id` = ?'];
  const params: unknown[] = [runId];
  if (options.policy !== undefined) {
    where.push('`policy` = ?');
    params.push(options.policy);
  }
  if (options.kind !== undefined) {
    where.push('`kind` = ?');
    params.push(options.kind);
  }
  try {
    const [rows] = await pool.query<EntryRow[]>(
      `SELECT ${ENTRY_COLUMNS} FROM ${tables.audit} WHERE ${where.join(' AND ')} ORDER BY \`id\``,
      params,
    );
    return rows.map(recordFromRow);
  } catch (err) {
    throw auditStoreError('cannot read the entries of a run', tables, err);
  }
}
