import type { RowDataPacket } from 'mysql2/promise';
import { StoreError } from '../errors/index.js';
import { AUDIT_KINDS, type AuditKind, type AuditRecord } from './audit-entry.js';
import type { CanonicalJson } from './canonical-json.js';

/**
 * The columns every reader selects. `recorded_at` is read as text so that the result does not
 * depend on the pool's time-zone settings (the column holds UTC).
 */
export const ENTRY_COLUMNS =
  "`id`, `kind`, `run_id`, `policy`, `store`, `target`, `subject_hash`, DATE_FORMAT(`recorded_at`, '%Y-%m-%d %H:%i:%s.%f') AS `recorded_at`, `entry`, `prev_hash`, `hash`";

export interface EntryRow extends RowDataPacket {
  /** A string with `bigNumberStrings`, a number otherwise. */
  id: string | number;
  kind: string;
  run_id: string;
  policy: string | null;
  store: string | null;
  target: string | null;
  subject_hash: string | null;
  /** `YYYY-MM-DD HH:MM:SS.ffffff`, UTC. */
  recorded_at: string;
  entry: string;
  prev_hash: string;
  hash: string;
}

/** `2026-11-28 10:00:00.012000` (UTC) → `2026-11-28T10:00:00.012Z`. */
export function isoFromColumn(value: string): string {
  return `${value.slice(0, 10)}T${value.slice(11, 23)}Z`;
}

/** A Date as the DATETIME(3) text of its UTC time: bound as text so the session zone cannot shift it. */
export function columnFromDate(at: Date): string {
  return at.toISOString().slice(0, 23).replace('T', ' ');
}

/** Reads a stored entry back. Throws StoreError when the stored text is not an entry (run `audit verify`). */
export function recordFromRow(row: EntryRow): AuditRecord {
  const id = Number(row.id);
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.entry);
  } catch (err) {
    throw new StoreError('mysql', `audit entry ${id} is not valid JSON; run \`retention audit verify\``, { cause: err });
  }
  const entry = parsed as Partial<Record<string, CanonicalJson>> | null;
  const data = entry?.data;
  if (!entry || typeof entry !== 'object' || !data || typeof data !== 'object' || Array.isArray(data) || !isKind(row.kind)) {
    throw new StoreError('mysql', `audit entry ${id} is not an audit entry; run \`retention audit verify\``);
  }
  return {
    id,
    kind: row.kind,
    runId: row.run_id,
    policy: row.policy,
    store: row.store,
    target: row.target,
    subjectHash: row.subject_hash,
    at: new Date(isoFromColumn(row.recorded_at)),
    dryRun: entry.dryRun === true,
    retain: typeof entry.retain === 'string' ? entry.retain : null,
    configHash: typeof entry.configHash === 'string' ? entry.configHash : '',
    workerVersion: typeof entry.workerVersion === 'string' ? entry.workerVersion : '',
    data: data as { readonly [key: string]: CanonicalJson },
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function isKind(kind: string): kind is AuditKind {
  return (AUDIT_KINDS as readonly string[]).includes(kind);
}
