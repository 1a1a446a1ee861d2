import { UsageError } from '../errors/index.js';
import { AUDIT_KINDS, type AuditKind, type AuditRecord } from './audit-entry.js';
import type { CanonicalJson } from './canonical-json.js';
import { isChainHash } from './chain-hash.js';
import type { ChainEntry } from './stream-entries.js';

/** The readable copies an export carries of fields inside the hashed entry (`audit verify --file` checks each). */
export const COPIED_FIELDS = [
  'kind',
  'runId',
  'policy',
  'store',
  'target',
  'subjectHash',
  'dryRun',
  'retain',
  'configHash',
  'workerVersion',
] as const;

/**
 * The fields of an exported entry, in file order: the same names as JSON Lines keys and as the
 * CSV header. `entry` is the canonical text that was hashed; every other field is a readable
 * copy of it that `audit verify --file` checks against it.
 */
export const EXPORT_COLUMNS = ['id', 'at', ...COPIED_FIELDS, 'data', 'prevHash', 'hash', 'entry'] as const;

export type ExportFormat = 'jsonl' | 'csv';

/** One exported entry, as a JSON Lines record. */
export interface ExportRecord extends Omit<AuditRecord, 'at'> {
  /** ISO-8601 instant. */
  at: string;
  /** The canonical text that was hashed. */
  entry: string;
}

export function exportRecord(e: ChainEntry): ExportRecord {
  return {
    id: e.id,
    at: e.at.toISOString(),
    kind: e.kind,
    runId: e.runId,
    policy: e.policy,
    store: e.store,
    target: e.target,
    subjectHash: e.subjectHash,
    dryRun: e.dryRun,
    retain: e.retain,
    configHash: e.configHash,
    workerVersion: e.workerVersion,
    data: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
    entry: e.entry,
  };
}

/** A CSV row: `data` as JSON text, null as an empty field (no exported text field is ever empty). */
export function csvRow(e: ChainEntry): Record<(typeof EXPORT_COLUMNS)[number], string | number> {
  const r = exportRecord(e);
  return {
    ...r,
    policy: r.policy ?? '',
    store: r.store ?? '',
    target: r.target ?? '',
    subjectHash: r.subjectHash ?? '',
    retain: r.retain ?? '',
    dryRun: String(r.dryRun),
    data: JSON.stringify(r.data),
  };
}

/** A malformed export: exit 2, naming the file and line. */
export function malformed(file: string, line: number, why: string): UsageError {
  return new UsageError(`${file} line ${line}: ${why}`);
}

/**
 * Reads one exported record back (from a parsed JSON line or a CSV row whose fields are all
 * text). Checks the shape only; whether the fields match the hashed entry is verification's job.
 */
export function entryFromExport(raw: unknown, format: ExportFormat, file: string, line: number): ChainEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw malformed(file, line, 'not an exported entry (expected an object)');
  const r = raw as Record<string, unknown>;
  for (const column of EXPORT_COLUMNS) if (!(column in r)) throw malformed(file, line, `field ${column} is missing`);
  const text = (name: string, nullable: boolean): string | null => {
    const v = r[name];
    if (format === 'csv' && nullable && v === '') return null;
    if (v === null && nullable) return null;
    if (typeof v !== 'string' || v === '')
      throw malformed(file, line, `field ${name} must be a non-empty string${nullable ? ' or null' : ''}`);
    return v;
  };
  const id = format === 'csv' ? Number(r.id) : r.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw malformed(file, line, 'field id must be a positive integer');
  const at = text('at', false) as string;
  if (Number.isNaN(Date.parse(at))) throw malformed(file, line, 'field at must be an ISO-8601 time');
  const kind = text('kind', false) as string;
  if (!(AUDIT_KINDS as readonly string[]).includes(kind)) throw malformed(file, line, `field kind: unknown kind ${JSON.stringify(kind)}`);
  let dryRun = r.dryRun;
  if (format === 'csv') dryRun = dryRun === 'true' ? true : dryRun === 'false' ? false : dryRun;
  if (typeof dryRun !== 'boolean') throw malformed(file, line, 'field dryRun must be true or false');
  let data = r.data;
  if (format === 'csv') {
    try {
      data = JSON.parse(String(data));
    } catch {
      throw malformed(file, line, 'field data is not JSON');
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw malformed(file, line, 'field data must be an object');
  const prevHash = text('prevHash', false) as string;
  const hash = text('hash', false) as string;
  if (!isChainHash(prevHash) || !isChainHash(hash))
    throw malformed(file, line, 'fields prevHash and hash must be 64 lower-case hex digits');
  return {
    id,
    at: new Date(at),
    kind: kind as AuditKind,
    runId: text('runId', false) as string,
    policy: text('policy', true),
    store: text('store', true),
    target: text('target', true),
    subjectHash: text('subjectHash', true),
    dryRun,
    retain: text('retain', true),
    configHash: typeof r.configHash === 'string' ? r.configHash : '',
    workerVersion: typeof r.workerVersion === 'string' ? r.workerVersion : '',
    data: data as { readonly [key: string]: CanonicalJson },
    prevHash,
    hash,
    entry: text('entry', false) as string,
  };
}
