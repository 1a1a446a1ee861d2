import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditTables } from './audit-tables.js';
import type { AuditKind, AuditRecord } from './audit-entry.js';
import { auditStoreError } from './audit-store-error.js';
import { columnFromDate, ENTRY_COLUMNS, recordFromRow, type EntryRow } from './entry-row.js';

/** The newest entry of the chain: what an operator logs and later passes to `audit verify --head`. */
export interface ChainHead {
  id: number;
  hash: string;
}

export interface ListOptions {
  /** Only entries recorded at or after this time. */
  since?: Date;
  policy?: string;
  runId?: string;
  /** Only entries of these kinds. */
  kinds?: readonly AuditKind[];
  /** At most this many entries, newest first. @defaultValue 1000 */
  limit?: number;
}

/** Hard ceiling on one listing, whatever the caller asks. */
const MAX_LIST = 100_000;

export async function readHead(pool: Pool, tables: AuditTables): Promise<ChainHead | null> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT \`id\`, \`hash\` FROM ${tables.audit} ORDER BY \`id\` DESC LIMIT 1`);
    const row = rows[0];
    return row ? { id: Number(row.id), hash: String(row.hash) } : null;
  } catch (err) {
    throw auditStoreError('cannot read the audit head', tables, err);
  }
}

/** Entries newest first (chain order, not clock order: clocks of two workers may disagree). */
export async function listEntries(pool: Pool, tables: AuditTables, options: ListOptions = {}): Promise<AuditRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.since) {
    where.push('`recorded_at` >= ?');
    params.push(columnFromDate(options.since));
  }
  if (options.policy !== undefined) {
    where.push('`policy` = ?');
    params.push(options.policy);
  }
  if (options.runId !== undefined) {
    where.push('`run_id` = ?');
    params.push(options.runId);
  }
  if (options.kinds !== undefined && options.kinds.length > 0) {
    where.push(`\`kind\` IN (${options.kinds.map(() => '?').join(', ')})`);
    params.push(...options.kinds);
  }
  const limit = Math.min(MAX_LIST, Math.max(1, Math.floor(options.limit ?? 1000)));
  params.push(limit);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return readRecords(
    pool,
    tables,
    'cannot list the audit trail',
    `SELECT ${ENTRY_COLUMNS} FROM ${tables.audit} ${filter} ORDER BY \`id\` DESC LIMIT ?`,
    params,
  );
}

/** The `subject` entries of one subject, newest first. */
export async function findSubjectEntries(pool: Pool, tables: AuditTables, subjectHash: string): Promise<AuditRecord[]> {
  return readRecords(
    pool,
    tables,
    'cannot search the audit trail',
    `SELECT ${ENTRY_COLUMNS} FROM ${tables.audit} WHERE \`subject_hash\` = ? AND \`kind\` = 'subject' ORDER BY \`id\` DESC`,
    [subjectHash.toLowerCase()],
  );
}

/** Runs of a policy with a `run-started` and neither `run-finished` nor `run-closed`, oldest first. */
export async function openRunIds(pool: Pool, tables: AuditTables, policy: string): Promise<string[]> {
  const t = tables.audit;
  try {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT s.\`run_id\` AS \`runId\` FROM ${t} AS s
       WHERE s.\`policy\` = ? AND s.\`kind\` = 'run-started'
         AND NOT EXISTS (SELECT 1 FROM ${t} AS f WHERE f.\`run_id\` = s.\`run_id\` AND f.\`policy\` = s.\`policy\` AND f.\`kind\` IN ('run-finished', 'run-closed'))
       ORDER BY s.\`id\``,
      [policy],
    );
    return [...new Set(rows.map((r) => String(r.runId)))];
  } catch (err) {
    throw auditStoreError('cannot read open runs from the audit trail', tables, err);
  }
}

async function readRecords(pool: Pool, tables: AuditTables, action: string, sql: string, params: unknown[]): Promise<AuditRecord[]> {
  let rows: EntryRow[];
  try {
    [rows] = await pool.query<EntryRow[]>(sql, params);
  } catch (err) {
    throw auditStoreError(action, tables, err);
  }
  return rows.map(recordFromRow);
}
