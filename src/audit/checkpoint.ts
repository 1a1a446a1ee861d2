import { UsageError } from '../errors/index.js';
import { canonicalJson } from './canonical-json.js';
import { isChainHash } from './chain-hash.js';
import { signDocument, type SignedDocument } from './signed-document.js';
import type { SigningKey } from './signing-key.js';

/** Format of a signed checkpoint; raised when its fields change meaning. */
export const CHECKPOINT_FORMAT = 1;

/** What a checkpoint states about the chain, signed (docs/audit.md, "Signed checkpoints"). */
export interface CheckpointFacts {
  /** `audit.table`: which trail. */
  table: string;
  /** Id of the newest entry; 0 for an empty chain. */
  headId: number;
  /** Its hash; 64 zeros for an empty chain. */
  headHash: string;
  /** Entries in the chain up to and including the head. */
  entries: number;
  /** When it was signed (the worker's clock). */
  at: Date;
}

/** A checkpoint as written to the table, the sinks and the auditor: canonical values, so numbers are strings. */
export interface SignedCheckpoint extends SignedDocument {
  type: 'retention-audit-checkpoint';
  format: string;
  table: string;
  headId: string;
  headHash: string;
  entries: string;
  at: string;
}

export function signCheckpoint(facts: CheckpointFacts, key: SigningKey): SignedCheckpoint {
  return signDocument({ type: 'retention-audit-checkpoint', format: CHECKPOINT_FORMAT, ...facts }, key) as SignedCheckpoint;
}

/** The one-line text a checkpoint is stored and sent as. */
export function checkpointLine(checkpoint: SignedCheckpoint): string {
  return canonicalJson(checkpoint);
}

/** A checkpoint read from an auditor's file, with the line it came from. */
export interface CheckpointOnLine {
  line: number;
  checkpoint: SignedCheckpoint;
}

/**
 * Reads a checkpoint file: one JSON checkpoint per line (the file sink's format; blank lines
 * ignored), or a single JSON document over several lines (`audit checkpoint --json`, an S3
 * object). A malformed line is a UsageError (exit 2) naming the file and line; whether the
 * signature holds is checked later (exit 1).
 */
export function parseCheckpointFile(text: string, file: string): CheckpointOnLine[] {
  const whole = tryParse(text);
  if (whole !== undefined && !Array.isArray(whole) && typeof whole === 'object' && whole !== null && text.trim().includes('\n')) {
    return [{ line: 1, checkpoint: checkShape(whole, file, 1) }];
  }
  const found: CheckpointOnLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const value = tryParse(raw);
    if (value === undefined) throw new UsageError(`${file} line ${i + 1}: not JSON`);
    found.push({ line: i + 1, checkpoint: checkShape(value, file, i + 1) });
  });
  if (found.length === 0) throw new UsageError(`${file}: holds no checkpoint`);
  return found;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function checkShape(value: unknown, file: string, line: number): SignedCheckpoint {
  const bad = (what: string) => new UsageError(`${file} line ${line}: ${what}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('not a JSON object');
  const c = value as Record<string, unknown>;
  if (c.type !== 'retention-audit-checkpoint') throw bad('not a retention audit checkpoint (type)');
  if (c.format !== String(CHECKPOINT_FORMAT)) throw bad(`checkpoint format ${JSON.stringify(c.format)} is not one this version reads`);
  for (const field of ['headId', 'entries'] as const)
    if (typeof c[field] !== 'string' || !DECIMAL.test(c[field])) throw bad(`${field} must be a decimal string`);
  if (!isChainHash(c.headHash)) throw bad('headHash must be 64 lower-case hex digits');
  if (typeof c.table !== 'string' || c.table === '') throw bad('table is missing');
  if (typeof c.at !== 'string' || Number.isNaN(Date.parse(c.at))) throw bad('at must be an ISO-8601 time');
  if (typeof c.keyId !== 'string' || typeof c.signature !== 'string') throw bad('keyId and signature are missing');
  return c as SignedCheckpoint;
}
