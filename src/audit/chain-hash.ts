import { createHash, createHmac } from 'node:crypto';

/** What the first entry of a chain links to: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One link of the chain: `HMAC-SHA-256(key, prevHash ‖ canonical)` as lower-case hex, where the
 * key is the UTF-8 bytes of the audit key and the message is the 64 ASCII hex characters of the
 * previous hash followed by the (ASCII) canonical entry. With no key (`''`), plain SHA-256 of the
 * same message: it detects accidents, not forgery.
 */
export function chainHash(key: string, prevHash: string, canonical: string): string {
  const digest = key === '' ? createHash('sha256') : createHmac('sha256', key);
  return digest.update(prevHash, 'utf8').update(canonical, 'utf8').digest('hex');
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** True for a hash as the chain writes it: 64 lower-case hex digits. */
export function isChainHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}
