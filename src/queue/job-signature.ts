import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { stableJson } from '../config/config-hash.js';

/**
 * Fixed HKDF info: this key only ever signs job payloads. The subject-range cipher derives its
 * key from the same audit key under another label, so neither key says anything about the other.
 */
const INFO = 'retention-worker/queue-job/hmac-sha-256/v1';

/** The field of a job's data that carries its signature (base64url HMAC-SHA-256). */
export const SIGNATURE_FIELD = 'sig';

/** Why a payload was refused; never the payload itself (it may have been written by anyone). */
export class JobSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobSignatureError';
  }
}

/**
 * Signs and checks job payloads. The queue's Redis is a trust boundary: anyone who can write to it
 * could otherwise move a run's evaluation time, and so its cutoff. Every payload the worker reads
 * was signed by a process holding the audit key (`enqueue`, the job schedulers, a coordinator
 * adding its children or recording its progress); a payload that does not check is refused for
 * good. The signature covers the job's name and every field of its data (canonical JSON), so a
 * field cannot be changed, added, dropped, or the data moved to a job of another kind.
 *
 * With no audit key the signature is computed under a key anyone can derive: it still catches
 * an edit made by hand, not a forgery (the worker warns at start-up; see docs/audit.md).
 */
export class JobSigner {
  readonly #key: Buffer;
  /** Whether the signing key is secret (an audit key is configured). */
  readonly keyed: boolean;

  constructor(auditKey: string) {
    this.#key = Buffer.from(hkdfSync('sha256', auditKey, Buffer.alloc(0), INFO, 32));
    this.keyed = auditKey !== '';
  }

  /** The data with its signature (any signature it carried is replaced). */
  sign<T extends object>(jobName: string, data: T): T & { [SIGNATURE_FIELD]: string } {
    const unsigned = withoutSignature(data);
    return { ...(unsigned as T), [SIGNATURE_FIELD]: this.#mac(jobName, unsigned) };
  }

  /** The data without its signature, once checked; throws JobSignatureError when unsigned or altered. */
  verify(jobName: string, data: unknown): Record<string, unknown> {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new JobSignatureError('its data is not an object');
    const sig = (data as Record<string, unknown>)[SIGNATURE_FIELD];
    if (typeof sig !== 'string' || sig === '') throw new JobSignatureError('it is not signed');
    const unsigned = withoutSignature(data);
    const expected = Buffer.from(this.#mac(jobName, unsigned));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new JobSignatureError('its signature does not match its data (altered in Redis, or signed with another audit key)');
    }
    return unsigned;
  }

  #mac(jobName: string, unsigned: Record<string, unknown>): string {
    return createHmac('sha256', this.#key)
      .update(`${jobName}\n${stableJson(unsigned)}`)
      .digest('base64url');
  }
}

function withoutSignature(data: object): Record<string, unknown> {
  const { [SIGNATURE_FIELD]: _sig, ...rest } = data as Record<string, unknown>;
  return rest;
}
