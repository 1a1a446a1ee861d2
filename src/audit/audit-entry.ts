import { canonicalJson, type CanonicalJson } from './canonical-json.js';
import { isChainHash } from './chain-hash.js';
import { AUDIT_COLUMN_CHARS, columnLength } from './audit-columns.js';

export const AUDIT_KINDS = ['run-started', 'target', 'progress', 'subject', 'tick-skipped', 'run-finished', 'run-closed'] as const;

/** See docs/audit.md for what each kind records in `data`. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Format of the canonical entry; raised when its fields change meaning. */
export const ENTRY_FORMAT = 1;

/** What the engine hands to `append`. */
export interface AuditEntryInput {
  kind: AuditKind;
  runId: string;
  /** Null for entries about the whole run rather than one policy. */
  policy: string | null;
  /** `mysql`, `mongo` or `redis`. */
  store?: string | null;
  /** MySQL table, MongoDB collection, or Redis `match` pattern. */
  target?: string | null;
  /** When it happened, from the injected clock. */
  at: Date;
  dryRun: boolean;
  /** The rule in force, e.g. `7 days`, `2 months after termination`. */
  retain: string | null;
  /** `subject` entries: `subjectHash(auditKey, id)`, never the id. */
  subjectHash?: string | null;
  /** Counts, status, error, cutoff…: plain values only (see canonical-json.ts). Never record contents. */
  data: Readonly<Record<string, unknown>>;
}

/** Recorded with every entry by the trail itself. */
export interface EntryProvenance {
  configHash: string;
  workerVersion: string;
}

/** An entry as stored and read back. `data` is in canonical form: integers are decimal strings. */
export interface AuditRecord {
  id: number;
  kind: AuditKind;
  runId: string;
  policy: string | null;
  store: string | null;
  target: string | null;
  subjectHash: string | null;
  at: Date;
  dryRun: boolean;
  retain: string | null;
  configHash: string;
  workerVersion: string;
  data: { readonly [key: string]: CanonicalJson };
  prevHash: string;
  hash: string;
}

/** Column limits of the audit table (audit-columns.ts, which the DDL is built from). */
export const LIMITS = {
  runId: AUDIT_COLUMN_CHARS.run_id,
  policy: AUDIT_COLUMN_CHARS.policy,
  store: AUDIT_COLUMN_CHARS.store,
  target: AUDIT_COLUMN_CHARS.target,
  kind: AUDIT_COLUMN_CHARS.kind,
} as const;

/** The object whose canonical text is hashed: every field always present, in a fixed shape. */
export interface CanonicalEntry {
  at: string;
  configHash: string;
  data: Readonly<Record<string, unknown>>;
  dryRun: boolean;
  format: number;
  kind: AuditKind;
  policy: string | null;
  retain: string | null;
  runId: string;
  store: string | null;
  subjectHash: string | null;
  target: string | null;
  workerVersion: string;
}

/**
 * Checks an entry and builds its canonical text. Throws TypeError before any I/O: a malformed
 * entry is a programming error, and must not half-write the trail.
 */
export function buildCanonicalEntry(input: AuditEntryInput, provenance: EntryProvenance): { entry: CanonicalEntry; text: string } {
  if (!(AUDIT_KINDS as readonly string[]).includes(input.kind))
    throw new TypeError(`unknown audit entry kind ${JSON.stringify(input.kind)}`);
  checkText('runId', input.runId, LIMITS.runId, false);
  checkText('policy', input.policy, LIMITS.policy, true);
  checkText('store', input.store ?? null, LIMITS.store, true);
  checkText('target', input.target ?? null, LIMITS.target, true);
  checkText('retain', input.retain, Number.MAX_SAFE_INTEGER, true);
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) throw new TypeError('audit entry: at must be a valid Date');
  const year = input.at.getUTCFullYear();
  if (year < 1000 || year > 9999) throw new TypeError('audit entry: at must fall in the years 1000–9999 (DATETIME range)');
  if (typeof input.dryRun !== 'boolean') throw new TypeError('audit entry: dryRun must be a boolean');
  const subject = input.subjectHash ?? null;
  if (subject !== null && !isChainHash(subject)) throw new TypeError('audit entry: subjectHash must be 64 lower-case hex digits');
  if (input.kind === 'subject' && subject === null) throw new TypeError('a subject entry needs its subjectHash');
  if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data))
    throw new TypeError('audit entry: data must be a plain object');

  const entry: CanonicalEntry = {
    at: input.at.toISOString(),
    configHash: provenance.configHash,
    data: input.data,
    dryRun: input.dryRun,
    format: ENTRY_FORMAT,
    kind: input.kind,
    policy: input.policy,
    retain: input.retain,
    runId: input.runId,
    store: input.store ?? null,
    subjectHash: subject,
    target: input.target ?? null,
    workerVersion: provenance.workerVersion,
  };
  return { entry, text: canonicalJson(entry) };
}

function checkText(field: string, value: string | null, max: number, nullable: boolean): void {
  if (value === null && nullable) return;
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`audit entry: ${field} must be a non-empty string${nullable ? ' or null' : ''}`);
  if (columnLength(value) > max) throw new TypeError(`audit entry: ${field} is longer than ${max} characters`);
}
