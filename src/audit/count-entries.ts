import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';
import { resolveFilter, type EntryFilter } from './entry-filter.js';

/** How many entries `filter` covers, counted by MySQL (nothing is read into memory). */
export async function countEntries(pool: Pool, tables: AuditTables, filter: EntryFilter): Promise<number> {
  try {
    const range = await resolveFilter(pool, tables, filter);
    if (!range.any) return 0;
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${tables.audit} WHERE \`id\` BETWEEN ? AND ?${range.where}`,
      [range.fromId, range.toId, ...range.params],
    );
    return Number(rows[0]?.n ?? 0);
  } catch (err) {
    throw auditStoreError('cannot count audit entries', tables, err);
  }
}
