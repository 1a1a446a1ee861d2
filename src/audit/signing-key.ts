import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ConfigError, UsageError } from '../errors/index.js';
import { parseEd25519PrivateKey } from '../config/signing-key-pem.js';

/** The key that signs checkpoints and certificates (`audit.signingKey`), with its public half. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `keyId(publicKey)`: recorded in every signed document. */
  keyId: string;
}

/** A public key an auditor holds, with the id documents signed by its private half carry. */
export interface VerifyingKey {
  publicKey: KeyObject;
  keyId: string;
}

/**
 * The key id: lower-case hex SHA-256 of the public key's DER SubjectPublicKeyInfo (what
 * `openssl pkey -pubin -outform DER | sha256sum` prints), so anyone can recompute it from the PEM.
 */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** `audit.signingKey` as a SigningKey; ConfigError (exit 2) when it is not an Ed25519 private key. */
export function loadSigningKey(pem: string): SigningKey {
  const parsed = parseEd25519PrivateKey(pem);
  if ('problem' in parsed) throw new ConfigError([{ path: 'audit.signingKey', message: parsed.problem }]);
  const publicKey = createPublicKey(parsed.key);
  return { privateKey: parsed.key, publicKey, keyId: keyId(publicKey) };
}

/** `--public-key`: a PEM public key (or the private key, whose public half is taken); UsageError unless Ed25519. */
export function loadVerifyingKey(pem: string, option = '--public-key'): VerifyingKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new UsageError(`${option}: not a PEM public key (expected "-----BEGIN PUBLIC KEY-----", as \`retention audit keygen\` prints)`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw new UsageError(
      `${option}: a ${publicKey.asymmetricKeyType ?? 'unknown'} key; checkpoints and certificates are signed with Ed25519`,
    );
  return { publicKey, keyId: keyId(publicKey) };
}

/** A new Ed25519 pair as PEM (`retention audit keygen`). */
export function generateSigningKey(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyId(publicKey),
  };
}
