import { createHmac } from 'node:crypto';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { ConfigError } from '../errors/index.js';
import type { AuditTables } from './audit-tables.js';
import { chainHash } from './chain-hash.js';

/** Fingerprint of a trail written without a key (plain SHA-256 links). */
export const UNKEYED_FINGERPRINT = 'unkeyed';

/**
 * A short public fingerprint of the audit key: `HMAC-SHA-256(key, "retention-worker key
 * fingerprint")`, the first 32 hex digits. It names which key a trail is written with without
 * revealing the key (it is one more HMAC under it, like every link of the chain).
 */
export function keyFingerprint(key: string): string {
  if (key === '') return UNKEYED_FINGERPRINT;
  return createHmac('sha256', key).update('retention-worker key fingerprint').digest('hex').slice(0, 32);
}

/** The configured `audit.key` is not the key the trail was written with: exit 2, before anything is done. */
export class AuditKeyError extends ConfigError {
  constructor(
    message: string,
    /** The trail's fingerprint (null when it has none yet) and the configured key's. */
    readonly trailFingerprint: string | null,
    readonly configuredFingerprint: string,
  ) {
    super([{ path: 'audit.key', message }]);
    this.name = 'AuditKeyError';
  }
}

/** The head row as an append or a key check reads it (under `FOR UPDATE` when it may write). */
export interface HeadRow {
  lastId: number | null;
  lastHash: string;
  fingerprint: string | null;
}

export type KeyStatus =
  | { status: 'match'; fingerprint: string }
  /** No fingerprint recorded yet, and the trail is empty or its newest entry hashes under this key. */
  | { status: 'adoptable'; fingerprint: string }
  | { status: 'mismatch'; fingerprint: string; trailFingerprint: string | null; message: string };

/**
 * Whether `key` is this trail's key. A trail records the fingerprint of its key in its head row on
 * first use. A trail without one (made before fingerprints existed) is adopted when its newest
 * entry hashes under `key` — proof the key is the one it was written with — and refused otherwise.
 */
export async function trailKeyStatus(conn: PoolConnection, tables: AuditTables, key: string, head: HeadRow): Promise<KeyStatus> {
  const fingerprint = keyFingerprint(key);
  if (head.fingerprint === fingerprint) return { status: 'match', fingerprint };
  if (head.fingerprint !== null) {
    const message =
      fingerprint === UNKEYED_FINGERPRINT
        ? `is empty, but the audit trail ${tables.auditName} is written with a key (fingerprint ${head.fingerprint}); set the key it was written with`
        : head.fingerprint === UNKEYED_FINGERPRINT
          ? `is set (fingerprint ${fingerprint}), but the audit trail ${tables.auditName} is written without a key; a keyed trail needs a new audit.table (docs/audit.md)`
          : `is not the key the audit trail ${tables.auditName} is written with (its fingerprint ${head.fingerprint}, the configured key's ${fingerprint}); check the key, and that it has no stray whitespace`;
    return { status: 'mismatch', fingerprint, trailFingerprint: head.fingerprint, message };
  }
  if (head.lastId === null) return { status: 'adoptable', fingerprint };
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT \`entry\`, \`prev_hash\`, \`hash\` FROM ${tables.audit} WHERE \`id\` = ?`, [
    head.lastId,
  ]);
  const newest = rows[0];
  if (newest && chainHash(key, String(newest.prev_hash), String(newest.entry)) === String(newest.hash))
    return { status: 'adoptable', fingerprint };
  return {
    status: 'mismatch',
    fingerprint,
    trailFingerprint: null,
    message: `does not verify the newest entry of the audit trail ${tables.auditName} (#${head.lastId}): it is not the key the trail was written with${fingerprint === UNKEYED_FINGERPRINT ? ' (no key is configured)' : ''}`,
  };
}

/**
 * Inside the append transaction (head row locked): refuses a key that is not the trail's, and
 * records the fingerprint of an adopted one. Nothing is ever appended under another key.
 */
export async function ensureTrailKey(conn: PoolConnection, tables: AuditTables, key: string, head: HeadRow): Promise<void> {
  const status = await trailKeyStatus(conn, tables, key, head);
  if (status.status === 'mismatch') throw new AuditKeyError(status.message, status.trailFingerprint, status.fingerprint);
  if (status.status === 'adoptable') {
    await conn.query(`UPDATE ${tables.head} SET \`key_fingerprint\` = ? WHERE \`id\` = 1`, [status.fingerprint]);
  }
}

/** Reads the head row, locked for the transaction when `forUpdate`. */
export async function readHeadRow(conn: PoolConnection, tables: AuditTables, forUpdate: boolean): Promise<HeadRow | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT \`last_id\`, \`last_hash\`, \`key_fingerprint\` FROM ${tables.head} WHERE \`id\` = 1${forUpdate ? ' FOR UPDATE' : ''}`,
  );
  const row = rows[0];
  if (!row || typeof row.last_hash !== 'string') return null;
  return {
    lastId: row.last_id === null ? null : Number(row.last_id),
    lastHash: row.last_hash,
    fingerprint: typeof row.key_fingerprint === 'string' ? row.key_fingerprint : null,
  };
}
