import { writeFileSync } from 'node:fs';
import { generateSigningKey } from '../../audit/signing-key.js';
import { UsageError } from '../../errors/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';

export interface AuditKeygenOptions extends GlobalOptions {
  out?: string;
  privateToStdout?: boolean;
}

/**
 * `retention audit keygen --out FILE | --private-to-stdout`: a new Ed25519 pair for
 * `audit.signingKey`. The private key goes to a new file with mode 0600 (never overwritten) or, on
 * request, to stdout; the public key and its key id are printed for the auditors.
 */
export async function auditKeygenCommand(opts: AuditKeygenOptions, io: CliIo): Promise<number> {
  if (!opts.out && !opts.privateToStdout) throw new UsageError('give --out FILE for the private key (or --private-to-stdout)');
  if (opts.out && opts.privateToStdout) throw new UsageError('give either --out FILE or --private-to-stdout, not both');
  const pair = generateSigningKey();
  if (opts.out) {
    try {
      // `wx`: refuse to overwrite a key that may still be in use.
      writeFileSync(opts.out, pair.privatePem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(
        `--out ${opts.out}: ${code === 'EEXIST' ? 'the file exists; keys are never overwritten' : `cannot write it (${code ?? 'error'})`}`,
      );
    }
  }
  if (opts.json) {
    printJson(io, {
      keyId: pair.keyId,
      publicKey: pair.publicPem,
      ...(opts.out ? { privateKeyFile: opts.out } : { privateKey: pair.privatePem }),
    });
  } else {
    if (opts.privateToStdout) io.stdout(pair.privatePem);
    io.stdout(`${pair.publicPem}key id: ${pair.keyId}\n`);
    if (opts.out) io.stdout(`private key written to ${opts.out} (mode 0600); set audit.signingKey: \${file:${opts.out}}\n`);
  }
  return EXIT.ok;
}
