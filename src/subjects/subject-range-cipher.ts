import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SubjectIdRange } from './run-subject-policy.js';

/** Fixed HKDF info: this key only ever seals subject id ranges, whatever else the audit key keys. */
const INFO = 'retention-worker/subject-range/aes-256-gcm/v1';

/** A sealed SubjectIdRange, as it travels in a job payload (base64 fields). */
export interface SealedRange {
  iv: string;
  data: string;
  tag: string;
}

function rangeKey(auditKey: string): Buffer {
  if (auditKey === '') throw new Error('sealing a subject range needs audit.key');
  return Buffer.from(hkdfSync('sha256', auditKey, Buffer.alloc(0), INFO, 32));
}

/**
 * Seals a range of subject ids for a job payload: AES-256-GCM under a key derived from the audit
 * key (HKDF-SHA-256), so the bounds — subject ids — never sit in the queue's Redis in clear.
 * `context` (run id and partition) is authenticated, so a sealed range cannot be moved to another job.
 */
export function sealRange(range: SubjectIdRange, auditKey: string, context: string): SealedRange {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', rangeKey(auditKey), iv);
  cipher.setAAD(Buffer.from(context));
  const data = Buffer.concat([cipher.update(JSON.stringify(range), 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Opens a sealed range; throws when the key or the context differ (or the payload was altered). */
export function openRange(sealed: SealedRange, auditKey: string, context: string): SubjectIdRange {
  const decipher = createDecipheriv('aes-256-gcm', rangeKey(auditKey), Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  let text: string;
  try {
    text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error("the subject range of this job does not open with this replica's audit key");
  }
  const range = JSON.parse(text) as Partial<SubjectIdRange>;
  const decimal = /^\d+$/;
  if (
    typeof range.upTo !== 'string' ||
    !decimal.test(range.upTo) ||
    !(range.after === null || (typeof range.after === 'string' && decimal.test(range.after)))
  ) {
    throw new Error('the subject range of this job is malformed');
  }
  return { after: range.after, upTo: range.upTo };
}
