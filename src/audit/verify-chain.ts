import type { Pool, RowDataPacket } from 'mysql2/promise';
import { UsageError } from '../errors/index.js';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';
import { canonicalJson } from './canonical-json.js';
import { chainHash, GENESIS_HASH, isChainHash } from './chain-hash.js';
import { ENTRY_COLUMNS, isoFromColumn, type EntryRow } from './entry-row.js';

/**
 * Why verification stopped (docs/audit.md):
 * - `hash mismatch`: the entry's stored fields do not hash to its stored hash (modified).
 * - `missing predecessor`: the entry links to a hash that no entry has (entries deleted before it).
 * - `order`: the entry links to an entry that exists, but not to the one before it (moved, swapped).
 * - `missing head`: the newest entry the head table recorded, or the one given with `--head`, is gone.
 */
export type ChainFault = 'hash mismatch' | 'missing predecessor' | 'order' | 'missing head';

export interface FirstBad {
  /** The entry at fault; for `missing head`, the newest entry still present (0 when none). */
  id: number;
  reason: ChainFault;
  /** One line for humans: which field or link. Never record contents. */
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries checked and found intact (all of them when `ok`). */
  entries: number;
  /** Hash of the newest entry in the table; null when it is empty. */
  headHash: string | null;
  firstBad: FirstBad | null;
  /** Set when the configured key is not the trail's: nothing was checked (see AuditTrail.verify). */
  wrongKey?: { message: string };
}

export interface VerifyOptions {
  /** A head hash logged earlier: the entry with that hash must still be in the chain. */
  head?: string;
  /** Entries read per query; memory stays bounded by it. @defaultValue 500 */
  pageSize?: number;
}

/** The columns that index the entry, and the canonical field each must equal. */
const INDEXED_FIELDS: ReadonlyArray<readonly [keyof EntryRow & string, string]> = [
  ['kind', 'kind'],
  ['run_id', 'runId'],
  ['policy', 'policy'],
  ['store', 'store'],
  ['target', 'target'],
  ['subject_hash', 'subjectHash'],
];

/**
 * Walks the whole chain in id order, a page at a time, recomputing every hash. Stops at the
 * first fault. The head row is read before the walk: appends only add entries, so the entry it
 * names must be met by the walk even while other processes append.
 */
export async function verifyChain(pool: Pool, tables: AuditTables, key: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const wantedHead = options.head === undefined ? undefined : options.head.trim().toLowerCase();
  if (wantedHead !== undefined && !isChainHash(wantedHead)) throw new UsageError('--head must be a hash of 64 hexadecimal digits');
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? 500));
  try {
    const recordedHead = await readRecordedHead(pool, tables);
    let expectedPrev = GENESIS_HASH;
    let lastId = 0;
    let entries = 0;
    let sawWanted = false;
    let sawRecorded = recordedHead === GENESIS_HASH;
    for (;;) {
      const [rows] = await pool.query<EntryRow[]>(`SELECT ${ENTRY_COLUMNS} FROM ${tables.audit} WHERE \`id\` > ? ORDER BY \`id\` LIMIT ?`, [
        lastId,
        pageSize,
      ]);
      for (const row of rows) {
        const id = Number(row.id);
        const fault =
          checkEntry(row, key) ?? (row.prev_hash === expectedPrev ? null : await linkFault(pool, tables, row, expectedPrev, lastId));
        if (fault) return { ok: false, entries, headHash: await newestHash(pool, tables), firstBad: { id, ...fault } };
        entries += 1;
        expectedPrev = row.hash;
        lastId = id;
        if (row.hash === wantedHead) sawWanted = true;
        if (row.hash === recordedHead) sawRecorded = true;
      }
      if (rows.length < pageSize) break;
    }
    const headHash = entries > 0 ? expectedPrev : null;
    if (recordedHead === null) return broken(entries, headHash, lastId, `the head row of ${tables.headName} is missing`);
    if (!sawRecorded)
      return broken(
        entries,
        headHash,
        lastId,
        `${tables.headName} records a newest entry (hash ${recordedHead}) that is no longer in the chain`,
      );
    if (wantedHead !== undefined && !sawWanted)
      return broken(
        entries,
        headHash,
        lastId,
        `no entry has the head hash ${wantedHead}: newer entries were cut off, or the hash is wrong`,
      );
    return { ok: true, entries, headHash, firstBad: null };
  } catch (err) {
    throw auditStoreError('cannot verify the audit trail', tables, err);
  }
}

function broken(entries: number, headHash: string | null, lastId: number, detail: string): VerifyResult {
  return { ok: false, entries, headHash, firstBad: { id: lastId, reason: 'missing head', detail } };
}

/** The entry's own integrity: its hash, its canonical text, and the columns that index it. */
function checkEntry(row: EntryRow, key: string): Omit<FirstBad, 'id'> | null {
  if (chainHash(key, row.prev_hash, row.entry) !== row.hash)
    return { reason: 'hash mismatch', detail: 'the stored entry does not hash to its stored hash' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.entry);
  } catch {
    return { reason: 'hash mismatch', detail: 'the stored entry is not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || canonicalJson(parsed) !== row.entry) {
    return { reason: 'hash mismatch', detail: 'the stored entry is not in canonical form' };
  }
  const entry = parsed as Record<string, unknown>;
  for (const [column, field] of INDEXED_FIELDS) {
    if ((row[column] ?? null) !== (entry[field] ?? null))
      return { reason: 'hash mismatch', detail: `column ${column} differs from the hashed entry` };
  }
  if (isoFromColumn(row.recorded_at) !== entry.at)
    return { reason: 'hash mismatch', detail: 'column recorded_at differs from the hashed entry' };
  return null;
}

/** The entry is intact but does not link to the one before it: moved, or its predecessor is gone. */
async function linkFault(
  pool: Pool,
  tables: AuditTables,
  row: EntryRow,
  expectedPrev: string,
  previousId: number,
): Promise<Omit<FirstBad, 'id'>> {
  const [found] = await pool.query<RowDataPacket[]>(`SELECT \`id\` FROM ${tables.audit} WHERE \`hash\` = ? LIMIT 1`, [row.prev_hash]);
  const linked = found[0];
  if (linked) {
    const after = previousId === 0 ? 'the chain starts from 64 zeros' : `the entry before it is ${previousId}`;
    return { reason: 'order', detail: `it links to entry ${Number(linked.id)}, but ${after}` };
  }
  if (expectedPrev === GENESIS_HASH) {
    return { reason: 'missing predecessor', detail: 'the first entry does not start the chain: older entries were removed' };
  }
  return { reason: 'missing predecessor', detail: `the entry it links to is gone (the entry before it is ${previousId})` };
}

async function readRecordedHead(pool: Pool, tables: AuditTables): Promise<string | null> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT \`last_hash\` FROM ${tables.head} WHERE \`id\` = 1`);
  const hash = rows[0]?.last_hash;
  return typeof hash === 'string' ? hash : null;
}

async function newestHash(pool: Pool, tables: AuditTables): Promise<string | null> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT \`hash\` FROM ${tables.audit} ORDER BY \`id\` DESC LIMIT 1`);
  const hash = rows[0]?.hash;
  return typeof hash === 'string' ? hash : null;
}
