import { auditTables, readExportFile, verifyEntries, type VerifyEntriesResult } from '../../audit/index.js';
import { parseCheckpointFile } from '../../audit/checkpoint.js';
import { verifyAgainstCheckpoint } from '../../audit/verify-against-checkpoint.js';
import { readInputFile, readPublicKeyOption } from '../read-input-file.js';
import { UsageError } from '../../errors/index.js';
import type { ResolvedConfig } from '../../config/load-config.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';
import type { AuditVerifyOptions } from './audit-verify-options.js';

export type { AuditVerifyOptions } from './audit-verify-options.js';

/**
 * `retention audit verify`: 0 intact, 1 broken, 3 could not check (2: bad usage, a malformed
 * export file, or the wrong audit key for the database chain). Without `--file` it walks the chain in MySQL; with `--file` it checks an export
 * and never connects to anything. Each source is one function below, so a further source of
 * trust (a signed checkpoint) adds one option and one check, not a new command.
 */
export async function auditVerifyCommand(opts: AuditVerifyOptions, io: CliIo): Promise<number> {
  if (opts.checkpoint !== undefined) {
    if (opts.file !== undefined) return verifyFileAgainstCheckpoint(opts, opts.file, opts.checkpoint, io);
    const { auditVerifyCheckpointCommand } = await import('./audit-verify-checkpoint.js');
    return auditVerifyCheckpointCommand({ ...opts, checkpoint: opts.checkpoint }, io);
  }
  const config = loadConfig(opts);
  if (opts.file === undefined) {
    if (opts.fromHash !== undefined) throw new UsageError('--from-hash needs --file (for the database, use --head)');
    if (opts.policy !== undefined) throw new UsageError('--policy needs --file: the database chain is always checked whole');
    return verifyDatabase(config, opts, io);
  }
  if (opts.head !== undefined) throw new UsageError('--head is for the database chain; with --file, use --from-hash');
  return verifyFile(config, opts, opts.file, io);
}

async function verifyDatabase(config: ResolvedConfig, opts: AuditVerifyOptions, io: CliIo): Promise<number> {
  return withEngine(
    config,
    io,
    async (engine) => {
      const result = await engine.audit.verify(opts.head ? { head: opts.head } : {});
      if (result.wrongKey) {
        // Not tampering: the chain cannot be checked with this key at all.
        if (opts.json) printJson(io, { ok: false, wrongKey: true, entries: 0, headHash: result.headHash, error: result.wrongKey.message });
        else io.stdout(`audit chain NOT CHECKED: wrong key: ${result.wrongKey.message}\n`);
        return EXIT.usage;
      }
      if (opts.json) {
        printJson(io, {
          ok: result.ok,
          entries: result.entries,
          headHash: result.headHash,
          firstBad: result.firstBad && { id: result.firstBad.id, reason: result.firstBad.reason, detail: result.firstBad.detail },
        });
      } else if (result.ok) {
        io.stdout(
          `audit chain intact: ${result.entries} entries, head ${result.headHash ?? '(empty)'}${opts.head ? `; head ${opts.head} present` : ''}${engine.audit.keyed ? '' : `\n${UNKEYED}`}\n`,
        );
      } else {
        const bad = result.firstBad!;
        io.stdout(`audit chain BROKEN at entry ${bad.id}: ${bad.reason} (${bad.detail}); ${result.entries} entries intact before it\n`);
      }
      return result.ok ? EXIT.ok : EXIT.no;
    },
    { stores: TRAIL_ONLY },
  );
}

const UNKEYED = 'warning: no audit key: the chain only detects accidents, not forgery';

async function verifyFile(config: ResolvedConfig, opts: AuditVerifyOptions, file: string, io: CliIo): Promise<number> {
  const result: VerifyEntriesResult = await verifyEntries(readExportFile(file), config.audit.key, {
    fromHash: opts.fromHash,
    policy: opts.policy,
  });
  if (opts.json) printJson(io, { file, ...result });
  else if (result.ok) {
    const what =
      opts.policy === undefined ? 'chain intact' : `entries of policy ${opts.policy} intact (checked one by one, not as a chain)`;
    const span = result.entries === 0 ? 'no entries' : `${result.entries} entries, ids ${result.firstId}–${result.lastId}`;
    const links =
      result.startHash === null
        ? ''
        : `\nfirst entry links to ${result.startHash}${opts.fromHash ? ' (as --from-hash requires)' : ''}\nlast entry's hash   ${result.headHash}`;
    io.stdout(`export ${what}: ${span}${links}${config.audit.key === '' ? `\n${UNKEYED}` : ''}\n`);
  } else {
    const bad = result.firstBad!;
    io.stdout(
      `export BROKEN at entry ${bad.id} (${file} line ${bad.line ?? '?'}): ${bad.reason} (${bad.detail}); ${result.entries} entries intact before it\n`,
    );
  }
  return result.ok ? EXIT.ok : EXIT.no;
}

/**
 * `--file EXPORT --checkpoint FILE --public-key PEM`: the export's own checks (above), then the
 * signed heads that fall inside it must be there with their signed hashes (an export is a
 * segment: the signed entry counts, which count from the chain's start, are not checked).
 * No database: the key, the table name and the audit key come from the files and the config.
 */
async function verifyFileAgainstCheckpoint(opts: AuditVerifyOptions, file: string, checkpointFile: string, io: CliIo): Promise<number> {
  const key = readPublicKeyOption(opts.publicKey);
  const checkpoints = parseCheckpointFile(readInputFile(checkpointFile, '--checkpoint'), checkpointFile);
  const config = loadConfig(opts);
  const own = await verifyEntries(readExportFile(file), config.audit.key, { fromHash: opts.fromHash, policy: opts.policy });
  const verdict = own.ok
    ? await verifyAgainstCheckpoint(readExportFile(file), checkpoints, key, {
        auditKey: config.audit.key,
        table: auditTables(config.audit.table).auditName,
        segment: true,
      })
    : null;
  const ok = own.ok && verdict !== null && verdict.ok && verdict.checked > 0;
  if (opts.json)
    printJson(io, {
      file,
      ...own,
      ok,
      checkpoints: { checked: verdict?.checked ?? 0, provenHead: verdict?.provenHead ?? null, failed: verdict?.failed ?? null },
    });
  else if (!own.ok) {
    const bad = own.firstBad!;
    io.stdout(`export BROKEN at entry ${bad.id} (${file} line ${bad.line ?? '?'}): ${bad.reason} (${bad.detail})\n`);
  } else if (!verdict!.ok) {
    const f = verdict!.failed!;
    io.stdout(
      `export NOT proven by the checkpoint${f.line === null ? '' : ` on line ${f.line} of ${checkpointFile}`}: ${f.check} check failed (${f.detail})\n`,
    );
  } else if (verdict!.checked === 0) {
    io.stdout(
      `export intact, but no signed head in ${checkpointFile} lies inside it (ids ${own.firstId ?? '-'}–${own.lastId ?? '-'}): nothing proven by the checkpoints\n`,
    );
  } else {
    const h = verdict!.provenHead!;
    io.stdout(
      `export intact and proven by ${verdict!.checked} signed checkpoint(s) (key ${key.keyId}): head entry ${h.id} (signed ${h.at}) is in it with its signed hash; ${own.entries} entries, ids ${own.firstId}–${own.lastId}\n`,
    );
  }
  return ok ? EXIT.ok : EXIT.no;
}
