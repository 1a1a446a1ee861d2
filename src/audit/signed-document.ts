import { sign, verify } from 'node:crypto';
import { canonicalJson, type CanonicalJson } from './canonical-json.js';
import type { SigningKey, VerifyingKey } from './signing-key.js';

/** A document as signed: canonical values (numbers as decimal strings), its signer's key id and signature. */
export type SignedDocument = { readonly [key: string]: CanonicalJson } & { readonly keyId: string; readonly signature: string };

/**
 * Signs `body` with Ed25519. The body is first put in canonical form (canonical-json.ts: numbers
 * become strings), `keyId` is added, and the signature (base64) covers the canonical text of
 * everything but `signature` itself. Writing the result with `canonicalJson` gives one ASCII line.
 */
export function signDocument(body: Readonly<Record<string, unknown>>, key: SigningKey): SignedDocument {
  const unsigned = JSON.parse(canonicalJson({ ...body, keyId: key.keyId })) as Record<string, CanonicalJson>;
  const signature = sign(null, Buffer.from(canonicalJson(unsigned), 'utf8'), key.privateKey).toString('base64');
  return { ...unsigned, keyId: key.keyId, signature };
}

/** Which check of a signed document failed. */
export type SignatureCheck = 'key id' | 'signature';

/**
 * Checks a parsed document's signature against the auditor's public key: first that it names that
 * key (`key id`: signed by another key, or the wrong public key given), then the signature itself
 * (`signature`: the document was changed after signing). Null when both hold.
 */
export function checkSignature(
  doc: Readonly<Record<string, unknown>>,
  key: VerifyingKey,
): { check: SignatureCheck; detail: string } | null {
  const { signature, ...unsigned } = doc;
  if (unsigned.keyId !== key.keyId)
    return { check: 'key id', detail: `signed by key ${String(unsigned.keyId)}, but the public key given is ${key.keyId}` };
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature))
    return { check: 'signature', detail: 'the signature is missing or not base64' };
  let text: string;
  try {
    text = canonicalJson(unsigned);
  } catch {
    return { check: 'signature', detail: 'the document holds values that were never signed (no canonical form)' };
  }
  const ok = verify(null, Buffer.from(text, 'utf8'), key.publicKey, Buffer.from(signature, 'base64'));
  return ok ? null : { check: 'signature', detail: 'the signature does not match the document: it was changed after signing' };
}
