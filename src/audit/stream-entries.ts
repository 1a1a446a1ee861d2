import type { Pool } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import type { AuditRecord } from './audit-entry.js';
import { auditStoreError } from './audit-store-error.js';
import { resolveFilter, type EntryFilter } from './entry-filter.js';
import { ENTRY_COLUMNS, recordFromRow, type EntryRow } from './entry-row.js';

/** An entry with the exact text that was hashed: what an export carries and a verifier re-hashes. */
export interface ChainEntry extends AuditRecord {
  /** The canonical entry, byte for byte as stored (docs/audit.md, "Canonical form"). */
  entry: string;
}

export interface StreamOptions {
  /** Newest first (listings) instead of chain order (exports, verification). @defaultValue false */
  newestFirst?: boolean;
  /** Stop after this many entries. @defaultValue no limit */
  limit?: number | undefined;
  /** Entries read per query: memory is bounded by it, not by the trail. @defaultValue 2000 */
  pageSize?: number;
}

/**
 * The entries `filter` covers, one at a time, read by keyset pagination on the primary key
 * (`id > last ORDER BY id LIMIT page`): each page is one short query that uses the index, no
 * server-side cursor stays open between pages, and memory stays flat whatever the trail's size.
 */
export async function* streamEntries(
  pool: Pool,
  tables: AuditTables,
  filter: EntryFilter,
  options: StreamOptions = {},
): AsyncGenerator<ChainEntry, void, undefined> {
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? 2000));
  const desc = options.newestFirst ?? false;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  if (left <= 0) return;
  let range;
  try {
    range = await resolveFilter(pool, tables, filter);
  } catch (err) {
    throw auditStoreError('cannot read the audit trail', tables, err);
  }
  if (!range.any) return;
  let low = range.fromId;
  let high = range.toId;
  const sql = `SELECT ${ENTRY_COLUMNS} FROM ${tables.audit} WHERE \`id\` BETWEEN ? AND ?${range.where} ORDER BY \`id\` ${desc ? 'DESC' : 'ASC'} LIMIT ?`;
  for (;;) {
    const size = Math.min(pageSize, left);
    let rows: EntryRow[];
    try {
      [rows] = await pool.query<EntryRow[]>(sql, [low, high, ...range.params, size]);
    } catch (err) {
      throw auditStoreError('cannot read the audit trail', tables, err);
    }
    for (const row of rows) yield { ...recordFromRow(row), entry: row.entry };
    left -= rows.length;
    if (rows.length < size || left <= 0) return;
    const last = Number(rows[rows.length - 1]!.id);
    if (desc) high = last - 1;
    else low = last + 1;
  }
}
