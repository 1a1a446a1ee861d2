import { readFileSync } from 'node:fs';
import { UsageError } from '../errors/index.js';
import { loadVerifyingKey, type VerifyingKey } from '../audit/signing-key.js';

/** Reads a file named on the command line; UsageError (exit 2) naming the option when it cannot. */
export function readInputFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** `--public-key`: a PEM file, or the PEM text itself. */
export function readPublicKeyOption(value: string | undefined): VerifyingKey {
  if (!value) throw new UsageError('--public-key is required: the PEM public key that `retention audit keygen` printed');
  return loadVerifyingKey(value.trimStart().startsWith('-----BEGIN') ? value : readInputFile(value, '--public-key'));
}
