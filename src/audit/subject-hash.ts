import { createHmac } from 'node:crypto';

/**
 * How a subject appears in the audit trail: `HMAC-SHA-256(audit key, decimal id)` as lower-case
 * hex. The id is written in plain decimal without leading zeros (`0042` and `42` are the same
 * subject), so `audit subject ID` finds it whichever way the operator types it. Ids are kept as
 * strings end to end: a BIGINT UNSIGNED does not fit a JS number.
 */
export function subjectHash(key: string, decimalId: string | bigint | number): string {
  // Without a key the hash of a small integer id could be reversed by trying every id.
  if (key === '') throw new TypeError('subject hashes need an audit key (audit.key)');
  return createHmac('sha256', key).update(normalizeDecimalId(decimalId), 'utf8').digest('hex');
}

/** `"0042"` → `"42"`; throws TypeError for anything that is not a non-negative integer. */
export function normalizeDecimalId(id: string | bigint | number): string {
  if (typeof id === 'bigint') {
    if (id < 0n) throw new TypeError('a subject id must not be negative');
    return id.toString();
  }
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id) || id < 0)
      throw new TypeError('a numeric subject id must be a non-negative safe integer; pass larger ids as strings');
    return String(id);
  }
  const trimmed = id.trim();
  if (!/^[0-9]+$/.test(trimmed)) throw new TypeError('a subject id must be written in decimal digits');
  return trimmed.replace(/^0+(?=.)/, '');
}
