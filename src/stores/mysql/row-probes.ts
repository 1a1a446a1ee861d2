import mysql from 'mysql2';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

/** A pool, or one of its connections (to probe under a lock that connection holds). */
type Queryable = Pool | PoolConnection;

/** `table`, or the named partitions of it, as a FROM clause. */
function from(table: string, partitions: readonly string[]): string {
  const named = partitions.length > 0 ? ` PARTITION (${partitions.map((p) => mysql.escapeId(p)).join(', ')})` : '';
  return `${mysql.escapeId(table)}${named}`;
}

/** Exact row count (`COUNT(*)`, not TABLE_ROWS' estimate) of `table`, or of the named partitions of it. */
export async function countRows(q: Queryable, table: string, partitions: readonly string[] = []): Promise<number> {
  const [rows] = await q.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${from(table, partitions)}`);
  return Number(rows[0]?.n ?? 0);
}

/** True when `table` (or the named partitions of it) holds any row: one index probe, not a count. */
export async function holdsRows(q: Queryable, table: string, partitions: readonly string[] = []): Promise<boolean> {
  const [rows] = await q.query<RowDataPacket[]>(`SELECT 1 FROM ${from(table, partitions)} LIMIT 1`);
  return rows.length > 0;
}
