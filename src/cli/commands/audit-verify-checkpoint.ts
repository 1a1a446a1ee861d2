import { parseCheckpointFile } from '../../audit/checkpoint.js';
import { readChainLinks } from '../../audit/read-chain-links.js';
import { verifyAgainstCheckpoint } from '../../audit/verify-against-checkpoint.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';
import { readInputFile, readPublicKeyOption } from '../read-input-file.js';
import type { AuditVerifyOptions } from './audit-verify-options.js';

/**
 * `retention audit verify --checkpoint FILE --public-key PEM`: the checkpoints in FILE are signed
 * by that key, the chain is intact up to their heads, and nothing after the newest was cut off
 * (its head entry is present with the signed entry count). Then the usual full check (copied
 * columns, head row). Works the same on a database restored from a backup. 0 proven, 1 a check
 * failed (named), 2 malformed file or key, 3 MySQL unreachable.
 */
export async function auditVerifyCheckpointCommand(opts: AuditVerifyOptions & { checkpoint: string }, io: CliIo): Promise<number> {
  // Everything that can be wrong with the inputs is found before the database is touched.
  const key = readPublicKeyOption(opts.publicKey);
  const checkpoints = parseCheckpointFile(readInputFile(opts.checkpoint, '--checkpoint'), opts.checkpoint);
  const config = loadConfig(opts);
  return withEngine(
    config,
    io,
    async (engine) => {
      const trail = engine.audit;
      const verdict = await verifyAgainstCheckpoint(readChainLinks(engine.mysql.pool, trail.tables), checkpoints, key, {
        auditKey: config.audit.key,
        table: trail.tables.auditName,
      });
      const chain = verdict.ok ? await trail.verify() : null;
      const ok = verdict.ok && chain !== null && chain.ok;
      if (opts.json) {
        printJson(io, {
          ok,
          entries: verdict.entries,
          checkpoints: checkpoints.length,
          provenHead: verdict.provenHead,
          failed: verdict.failed,
          chain: chain && { ok: chain.ok, firstBad: chain.firstBad },
        });
      } else if (!verdict.ok) {
        const f = verdict.failed!;
        io.stdout(
          `audit chain NOT proven by the checkpoint${f.line === null ? '' : ` on line ${f.line} of ${opts.checkpoint}`}: ${f.check} check failed (${f.detail})\n`,
        );
      } else if (!chain!.ok) {
        const bad = chain!.firstBad!;
        io.stdout(`signed heads present, but the audit chain is BROKEN at entry ${bad.id}: ${bad.reason} (${bad.detail})\n`);
      } else {
        const h = verdict.provenHead!;
        io.stdout(
          `audit chain proven by ${checkpoints.length} signed checkpoint${checkpoints.length === 1 ? '' : 's'} (key ${key.keyId}): intact up to head entry ${h.id} (${h.entries} entries, signed ${h.at}), nothing cut off; ${verdict.entries} entries in all\n`,
        );
      }
      return ok ? EXIT.ok : EXIT.no;
    },
    { stores: TRAIL_ONLY },
  );
}
