import { parseCertificate, verifyCertificate } from '../../audit/verify-certificate.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { readInputFile, readPublicKeyOption } from '../read-input-file.js';

export interface AuditCertificateVerifyOptions extends GlobalOptions {
  args?: string[];
  publicKey?: string;
}

/**
 * `retention audit certificate verify FILE --public-key PEM`, offline (no configuration, no
 * database): 0 valid; 1 a check failed, named; 2 malformed file or key.
 */
export async function auditCertificateVerifyCommand(opts: AuditCertificateVerifyOptions, io: CliIo): Promise<number> {
  const file = opts.args?.[0] ?? '';
  const key = readPublicKeyOption(opts.publicKey);
  const doc = parseCertificate(readInputFile(file, 'certificate'), file);
  const verdict = verifyCertificate(doc, key);
  if (opts.json) printJson(io, verdict);
  else if (verdict.ok) {
    const cp = doc.checkpoint as { headId: string; at: string };
    io.stdout(
      `certificate valid: signed by key ${key.keyId}; its ${(doc.entries as unknown[]).length} audit entries are covered by the checkpoint of head entry ${cp.headId} (${cp.at})\n`,
    );
  } else io.stdout(`certificate INVALID: ${verdict.failed!.check} check failed (${verdict.failed!.detail})\n`);
  return verdict.ok ? EXIT.ok : EXIT.no;
}
