import { createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * Parses `audit.signingKey`: a PEM private key that must be Ed25519. Returns the key, or the
 * reason it is not one (never the key text: it is a secret). Lives in config so that a wrong key
 * is a configuration error, found before any connection is made.
 */
export function parseEd25519PrivateKey(pem: string): { key: KeyObject } | { problem: string } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return { problem: 'is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----", as `retention audit keygen` writes)' };
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    return {
      problem: `is a key of type ${key.asymmetricKeyType ?? 'unknown'}; checkpoints and certificates are signed with Ed25519 only (\`retention audit keygen\`)`,
    };
  }
  return { key };
}
