import type { SignedCheckpoint } from '../../audit/checkpoint.js';
import { readChainLinks } from '../../audit/read-chain-links.js';
import { readEntryHashes } from '../../audit/read-entry-hashes.js';
import { verifyAgainstCheckpoint } from '../../audit/verify-against-checkpoint.js';
import { parseCertificate, verifyCertificate, type CertificateVerdict } from '../../audit/verify-certificate.js';
import type { VerifyingKey } from '../../audit/signing-key.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';
import { readInputFile, readPublicKeyOption } from '../read-input-file.js';

export interface AuditCertificateVerifyOptions extends GlobalOptions {
  args?: string[];
  publicKey?: string;
  trail?: boolean;
}

/** The checks `--trail` adds: the certificate's entries against the audit trail itself. */
type TrailVerdict = { ok: true; failed: null } | { ok: false; failed: { check: string; detail: string } };

/**
 * `retention audit certificate verify FILE --public-key PEM [--trail]`: offline by default (no
 * configuration, no database); with `--trail`, also that the chain in the configured database
 * is intact up to the certificate's checkpoint and holds each of its entries with that hash.
 * 0 valid; 1 a check failed, named; 2 malformed file or key; 3 MySQL unreachable (`--trail`).
 */
export async function auditCertificateVerifyCommand(opts: AuditCertificateVerifyOptions, io: CliIo): Promise<number> {
  const file = opts.args?.[0] ?? '';
  const key = readPublicKeyOption(opts.publicKey);
  const doc = parseCertificate(readInputFile(file, 'certificate'), file);
  let verdict: CertificateVerdict | TrailVerdict = verifyCertificate(doc, key);
  if (verdict.ok && opts.trail) verdict = await checkTrail(doc, key, opts, io);
  if (opts.json) printJson(io, verdict);
  else if (verdict.ok) {
    const cp = doc.checkpoint as { headId: string; at: string };
    io.stdout(
      `certificate valid: signed by key ${key.keyId}; its ${(doc.entries as unknown[]).length} audit entries are covered by the checkpoint of head entry ${cp.headId} (${cp.at})${opts.trail ? ', and are in the intact audit trail with those hashes' : ''}\n`,
    );
  } else io.stdout(`certificate INVALID: ${verdict.failed!.check} check failed (${verdict.failed!.detail})\n`);
  return verdict.ok ? EXIT.ok : EXIT.no;
}

async function checkTrail(doc: Record<string, unknown>, key: VerifyingKey, opts: GlobalOptions, io: CliIo): Promise<TrailVerdict> {
  const config = loadConfig(opts);
  return withEngine(
    config,
    io,
    async (engine) => {
      const tables = engine.audit.tables;
      const checkpoint = doc.checkpoint as SignedCheckpoint;
      const chain = await verifyAgainstCheckpoint(readChainLinks(engine.mysql.pool, tables), [{ line: 0, checkpoint }], key, {
        auditKey: config.audit.key,
        table: tables.auditName,
      });
      if (!chain.ok) return { ok: false, failed: { check: `trail ${chain.failed!.check}`, detail: chain.failed!.detail } };
      const entries = doc.entries as { id: string; hash: string }[];
      const stored = await readEntryHashes(
        engine.mysql.pool,
        tables,
        entries.map((e) => Number(e.id)),
      );
      for (const e of entries) {
        const hash = stored.get(Number(e.id));
        if (hash !== e.hash)
          return {
            ok: false,
            failed: {
              check: 'trail entry',
              detail:
                hash === undefined
                  ? `entry ${e.id} is not in the audit trail`
                  : `entry ${e.id} has hash ${hash} in the trail, the certificate says ${e.hash}`,
            },
          };
      }
      return { ok: true, failed: null };
    },
    { stores: TRAIL_ONLY },
  );
}
