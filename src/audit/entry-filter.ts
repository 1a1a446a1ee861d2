import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import { columnFromDate } from './entry-row.js';

/** Which entries a listing or an export covers. */
export interface EntryFilter {
  /** From the first entry recorded at or after this time (inclusive). */
  since?: Date | undefined;
  /** Up to the last entry recorded before this time (exclusive). */
  until?: Date | undefined;
  policy?: string | undefined;
  runId?: string | undefined;
}

/** A filter turned into SQL: the chain segment `[fromId, toId]` plus the column conditions. */
export interface ResolvedFilter {
  /** False when no entry lies in the time range: nothing to read. */
  any: boolean;
  /** `AND …` conditions (without the id bounds) and their parameters. */
  where: string;
  params: unknown[];
  fromId: number;
  toId: number;
}

/**
 * Resolves the time range to a segment of the chain: from the first entry (in chain order)
 * recorded at or after `since` to the last recorded before `until`, every entry between them
 * included. Entries carry their worker's clock, and two workers' clocks may disagree by a few
 * seconds; cutting by id keeps the segment whole, so an export of a range verifies as a chain.
 */
export async function resolveFilter(pool: Pool, tables: AuditTables, filter: EntryFilter): Promise<ResolvedFilter> {
  const t = tables.audit;
  const [[low], [high]] = await Promise.all([
    filter.since
      ? pool.query<RowDataPacket[]>(`SELECT MIN(\`id\`) AS id FROM ${t} WHERE \`recorded_at\` >= ?`, [columnFromDate(filter.since)])
      : pool.query<RowDataPacket[]>(`SELECT MIN(\`id\`) AS id FROM ${t}`),
    filter.until
      ? pool.query<RowDataPacket[]>(`SELECT MAX(\`id\`) AS id FROM ${t} WHERE \`recorded_at\` < ?`, [columnFromDate(filter.until)])
      : pool.query<RowDataPacket[]>(`SELECT MAX(\`id\`) AS id FROM ${t}`),
  ]);
  const fromId = low[0]?.id == null ? null : Number(low[0].id);
  const toId = high[0]?.id == null ? null : Number(high[0].id);
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.policy !== undefined) {
    conditions.push('`policy` = ?');
    params.push(filter.policy);
  }
  if (filter.runId !== undefined) {
    conditions.push('`run_id` = ?');
    params.push(filter.runId);
  }
  const where = conditions.map((c) => ` AND ${c}`).join('');
  if (fromId === null || toId === null || fromId > toId) return { any: false, where, params, fromId: 0, toId: 0 };
  return { any: true, where, params, fromId, toId };
}
