import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';

/** What checking the chain needs of one entry: its id, the hashed text, and its two hashes. */
export interface ChainLink {
  id: number;
  prevHash: string;
  /** The canonical entry, byte for byte as hashed. */
  entry: string;
  hash: string;
}

/**
 * The chain in id order, a page at a time (memory bounded by `pageSize`), from a live or
 * restored database. An export file yields the same shape.
 */
export async function* readChainLinks(pool: Pool, tables: AuditTables, pageSize = 500): AsyncGenerator<ChainLink> {
  let lastId = 0;
  for (;;) {
    let rows: RowDataPacket[];
    try {
      [rows] = await pool.query<RowDataPacket[]>(
        `SELECT \`id\`, \`prev_hash\`, \`entry\`, \`hash\` FROM ${tables.audit} WHERE \`id\` > ? ORDER BY \`id\` LIMIT ?`,
        [lastId, pageSize],
      );
    } catch (err) {
      throw auditStoreError('cannot read the audit trail', tables, err);
    }
    for (const row of rows) {
      lastId = Number(row.id);
      yield { id: lastId, prevHash: String(row.prev_hash), entry: String(row.entry), hash: String(row.hash) };
    }
    if (rows.length < pageSize) return;
  }
}
