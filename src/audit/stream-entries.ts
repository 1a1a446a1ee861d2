import type { Connection as CallbackConnection } from 'mysql2';
import type { Pool, PoolConnection } from 'mysql2/promise';
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
  /** Rows the driver buffers ahead of the reader before it pauses the socket. @defaultValue 32 */
  highWaterMark?: number;
}

/**
 * The entries `filter` covers, one at a time, from one streamed query on a connection of its
 * own: mysql2 hands rows over as they arrive and pauses the socket while the reader is behind,
 * so memory stays flat whatever the trail's size. (Pages of `LIMIT n` would hold whole pages
 * across awaits; measured on 200 k entries they doubled the peak RSS and the time.) The query
 * scans the primary key between the range's first and last id. If the reader stops early, the
 * connection still has rows in flight and is destroyed rather than returned to the pool.
 */
export async function* streamEntries(
  pool: Pool,
  tables: AuditTables,
  filter: EntryFilter,
  options: StreamOptions = {},
): AsyncGenerator<ChainEntry, void, undefined> {
  const limit = options.limit;
  if (limit !== undefined && limit <= 0) return;
  let conn: PoolConnection | null = null;
  let finished = false;
  try {
    const range = await resolveFilter(pool, tables, filter);
    if (!range.any) {
      finished = true;
      return;
    }
    const sql =
      `SELECT ${ENTRY_COLUMNS} FROM ${tables.audit} WHERE \`id\` BETWEEN ? AND ?${range.where}` +
      ` ORDER BY \`id\` ${options.newestFirst ? 'DESC' : 'ASC'}${limit === undefined ? '' : ' LIMIT ?'}`;
    const params = [range.fromId, range.toId, ...range.params, ...(limit === undefined ? [] : [limit])];
    conn = await pool.getConnection();
    // The promise wrapper has no row stream; its underlying callback connection does.
    const core = conn.connection as unknown as CallbackConnection;
    const rows = core.query(sql, params).stream({ highWaterMark: options.highWaterMark ?? 32 });
    for await (const row of rows as AsyncIterable<EntryRow>) yield { ...recordFromRow(row), entry: row.entry };
    finished = true;
  } catch (err) {
    throw auditStoreError('cannot read the audit trail', tables, err);
  } finally {
    if (conn) {
      if (finished) conn.release();
      else conn.destroy();
    }
  }
}
