import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';

/** The stored hash of each of these entries (absent ids are left out), read in pages of 1,000. */
export async function readEntryHashes(pool: Pool, tables: AuditTables, ids: readonly number[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 1000) {
    try {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT \`id\`, \`hash\` FROM ${tables.audit} WHERE \`id\` IN (?)`, [
        ids.slice(i, i + 1000),
      ]);
      for (const row of rows) found.set(Number(row.id), String(row.hash));
    } catch (err) {
      throw auditStoreError('cannot read audit entries', tables, err);
    }
  }
  return found;
}
