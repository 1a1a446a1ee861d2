import { UsageError } from '../errors/index.js';
import { CHECKPOINT_FORMAT } from './checkpoint.js';
import { CERTIFICATE_FORMAT, CERTIFICATE_TYPE } from './deletion-certificate.js';
import { checkSignature } from './signed-document.js';
import type { VerifyingKey } from './signing-key.js';

/**
 * Which check of a certificate failed: its own `key id` and `signature`; the embedded checkpoint's
 * (`checkpoint key id`, `checkpoint signature`); `coverage`: an entry it rests on lies after the
 * checkpoint's head, so the checkpoint does not vouch for it.
 */
export type CertificateCheck = 'key id' | 'signature' | 'checkpoint key id' | 'checkpoint signature' | 'coverage';

export interface CertificateVerdict {
  ok: boolean;
  failed: { check: CertificateCheck; detail: string } | null;
}

/** A certificate read from a file: JSON, with the fields every check needs. Malformed: UsageError (exit 2) naming the line. */
export function parseCertificate(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} line ${lineOfJsonError(text, err)}: not valid JSON`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file} line 1: not a JSON object`);
  const c = doc as Record<string, unknown>;
  const missing = (field: string) => new UsageError(`${file} line ${lineOfField(text, field)}: ${field} is missing or malformed`);
  if (c.type !== CERTIFICATE_TYPE) throw missing('type');
  if (c.format !== String(CERTIFICATE_FORMAT)) throw missing('format');
  if (!Array.isArray(c.entries)) throw missing('entries');
  const cp = c.checkpoint as Record<string, unknown> | null | undefined;
  if (!cp || typeof cp !== 'object' || cp.format !== String(CHECKPOINT_FORMAT) || typeof cp.headId !== 'string')
    throw missing('checkpoint');
  return c;
}

/** Checks a parsed certificate offline, in order, and names the first check that failed. */
export function verifyCertificate(doc: Record<string, unknown>, key: VerifyingKey): CertificateVerdict {
  const own = checkSignature(doc, key);
  if (own) return { ok: false, failed: own };
  const checkpoint = doc.checkpoint as Record<string, unknown>;
  const inner = checkSignature(checkpoint, key);
  if (inner)
    return { ok: false, failed: { check: inner.check === 'key id' ? 'checkpoint key id' : 'checkpoint signature', detail: inner.detail } };
  const head = Number(checkpoint.headId);
  for (const entry of doc.entries as unknown[]) {
    const id = Number((entry as { id?: unknown } | null)?.id);
    if (!Number.isSafeInteger(id) || id > head)
      return { ok: false, failed: { check: 'coverage', detail: `entry ${String(id)} lies after the checkpoint's head (entry ${head})` } };
  }
  return { ok: true, failed: null };
}

/** The 1-based line of a JSON.parse error (Node reports a character position). */
function lineOfJsonError(text: string, err: unknown): number {
  const position = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
  return position === undefined ? 1 : text.slice(0, Number(position)).split('\n').length;
}

function lineOfField(text: string, field: string): number {
  const at = text.indexOf(`"${field}"`);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}
