import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain-hash.js';
import { parseCheckpointFile, checkpointLine, signCheckpoint, type CheckpointOnLine } from '../../src/audit/checkpoint.js';
import type { ChainLink } from '../../src/audit/read-chain-links.js';
import { generateSigningKey, loadSigningKey, loadVerifyingKey } from '../../src/audit/signing-key.js';
import { verifyAgainstCheckpoint } from '../../src/audit/verify-against-checkpoint.js';
import { ConfigError, UsageError } from '../../src/errors/index.js';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';

const KEY = 'k';
const pair = generateSigningKey();
const signing = loadSigningKey(pair.privatePem);
const verifying = loadVerifyingKey(pair.publicPem);

/** A chain of `n` entries with ids 1, 3, 5, … (gaps are legal). */
function chain(n: number): ChainLink[] {
  const links: ChainLink[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < n; i += 1) {
    const entry = `{"n":"${i}"}`;
    const hash = chainHash(KEY, prev, entry);
    links.push({ id: 1 + 2 * i, prevHash: prev, entry, hash });
    prev = hash;
  }
  return links;
}

async function* iterate(links: readonly ChainLink[]): AsyncGenerator<ChainLink> {
  yield* links;
}

function checkpointAt(links: readonly ChainLink[], index: number, line = 1): CheckpointOnLine {
  const head = links[index]!;
  return {
    line,
    checkpoint: signCheckpoint({ table: 't', headId: head.id, headHash: head.hash, entries: index + 1, at: new Date(0) }, signing),
  };
}

const run = (links: readonly ChainLink[], cps: CheckpointOnLine[], segment = false) =>
  verifyAgainstCheckpoint(iterate(links), cps, verifying, { auditKey: KEY, table: 't', segment });

describe('verifyAgainstCheckpoint', () => {
  it('proves the whole chain up to the newest signed head, with id gaps', async () => {
    const links = chain(10);
    expect(await run(links, [checkpointAt(links, 3, 1), checkpointAt(links, 8, 2)])).toMatchObject({
      ok: true,
      checked: 2,
      entries: 10,
      provenHead: { id: 17, entries: 9 },
    });
  });

  it('checks a segment (an export of one month) against the heads inside it, without the count', async () => {
    const links = chain(10);
    const month = links.slice(4, 8);
    const cps = [checkpointAt(links, 1, 1), checkpointAt(links, 6, 2), checkpointAt(links, 9, 3)];
    expect(await run(month, cps, true)).toMatchObject({ ok: true, checked: 1, entries: 4, provenHead: { id: links[6]!.id } });
    expect(await run(links.slice(2, 4), cps, true)).toMatchObject({ ok: false, failed: { check: 'head' } });
    const tampered = month.map((l, i) => (i === 2 ? { ...l, hash: chainHash(KEY, l.prevHash, '{"n":"x"}'), entry: '{"n":"x"}' } : l));
    expect(await run(tampered, cps, true)).toMatchObject({ ok: false, failed: { check: 'head', line: 2 } });
  });

  it('fails "head" when the newest entries are gone, and "chain" when an older one is', async () => {
    const links = chain(6);
    const cp = checkpointAt(links, 5);
    expect(await run(links.slice(0, 4), [cp])).toMatchObject({ ok: false, failed: { check: 'head', line: 1 } });
    expect(await run([...links.slice(0, 2), ...links.slice(3)], [cp])).toMatchObject({ ok: false, failed: { check: 'chain' } });
  });
});

describe('checkpoint files and keys', () => {
  it('reads one checkpoint per line or one pretty-printed checkpoint, and names a malformed line', () => {
    const links = chain(2);
    const line = checkpointLine(checkpointAt(links, 1).checkpoint);
    expect(parseCheckpointFile(`${line}\n\n${line}\n`, 'f').map((c) => c.line)).toEqual([1, 3]);
    expect(parseCheckpointFile(JSON.stringify(JSON.parse(line), null, 2), 'f')).toHaveLength(1);
    expect(() => parseCheckpointFile(`${line}\n{oops\n`, 'f')).toThrow(new UsageError('f line 2: not JSON'));
    expect(() => parseCheckpointFile(line.replace('"headId":"3"', '"headId":3'), 'f')).toThrow(/f line 1: headId must be a decimal string/);
    expect(() => parseCheckpointFile('', 'f')).toThrow(/holds no checkpoint/);
  });

  it('refuses a signing key that is not Ed25519 as a config error, without echoing it', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    let error: unknown;
    try {
      loadSigningKey(pem);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: 'audit.signingKey', message: expect.stringMatching(/key of type rsa/) as unknown },
    ]);
    expect((error as Error).message).not.toContain(pem.split('\n')[1]!);
    expect(() => loadSigningKey('not a key')).toThrow(/not a PEM private key/);
    expect(() => loadVerifyingKey(pem)).toThrow(/a rsa key|Ed25519/);
  });

  it('the key id is the SHA-256 of the public key DER, the same from the private key', () => {
    expect(signing.keyId).toBe(pair.keyId);
    expect(loadVerifyingKey(pair.privatePem).keyId).toBe(pair.keyId);
    expect(createPrivateKey(pair.privatePem).asymmetricKeyType).toBe('ed25519');
  });
});
