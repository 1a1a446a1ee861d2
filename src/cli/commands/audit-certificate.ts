import { writeFileSync } from 'node:fs';
import type { AuditRecord } from '../../audit/audit-entry.js';
import type { Checkpointer } from '../../audit/checkpointer.js';
import type { SignedCheckpoint } from '../../audit/checkpoint.js';
import { runCertificate, subjectCertificate } from '../../audit/deletion-certificate.js';
import { readRunEntries } from '../../audit/read-run-entries.js';
import { loadSigningKey } from '../../audit/signing-key.js';
import { normalizeDecimalId } from '../../audit/subject-hash.js';
import { ConfigError, UsageError } from '../../errors/index.js';
import { findSubjectPurges, isCompletePurge } from '../../subjects/find-subject-purges.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo, GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';

export interface AuditCertificateOptions extends GlobalOptions {
  subject?: string;
  run?: string;
  out?: string;
}

/**
 * `retention audit certificate --subject ID | --run RUN_ID [--out FILE]`: a signed deletion
 * certificate (JSON) on stdout or in FILE. 0 issued; 1 nothing to certify (no complete purge of the
 * subject; the run unknown, unfinished or a dry run); 2 usage or no signing key; 3 MySQL unreachable.
 * The subject id is printed only inside the certificate, because the requester gave it.
 */
export async function auditCertificateCommand(opts: AuditCertificateOptions, io: CliIo): Promise<number> {
  if ((opts.subject === undefined) === (opts.run === undefined)) throw new UsageError('give exactly one of --subject ID or --run RUN_ID');
  const config = loadConfig(opts);
  if (config.audit.signingKey === '')
    throw new ConfigError([{ path: 'audit.signingKey', message: 'is not set: certificates are signed (`retention audit keygen`)' }]);
  const key = loadSigningKey(config.audit.signingKey);
  return withEngine(
    config,
    io,
    async (engine) => {
      const pool = engine.mysql.pool;
      const tables = engine.audit.tables;
      const checkpoints = engine.checkpoints!;
      const now = engine.ctx.clock.now();
      let document: object;
      if (opts.subject !== undefined) {
        const purge = (await findSubjectPurges(engine.audit, config.audit.key, opts.subject)).find(isCompletePurge);
        if (!purge) {
          io.stderr('retention: no complete purge of this subject in the audit trail: no certificate issued\n');
          return EXIT.no;
        }
        const runStarted =
          (await readRunEntries(pool, tables, purge.runId, { policy: purge.policy ?? '', kind: 'run-started' }))[0] ?? null;
        const checkpoint = await coveringCheckpoint(checkpoints, [purge, runStarted]);
        document = subjectCertificate({ subjectId: normalizeDecimalId(opts.subject), purge, runStarted, checkpoint, issuedAt: now }, key);
      } else {
        const entries = await readRunEntries(pool, tables, opts.run!);
        const problem =
          entries.length === 0
            ? 'no entry of this run in the audit trail'
            : entries.some((e) => e.dryRun)
              ? 'it was a dry run: it deleted nothing'
              : !entries.some((e) => e.kind === 'run-finished')
                ? 'the run has not finished'
                : null;
        if (problem) {
          io.stderr(`retention: run ${opts.run}: ${problem}; no certificate issued\n`);
          return EXIT.no;
        }
        document = runCertificate(
          { runId: opts.run!, entries, checkpoint: await coveringCheckpoint(checkpoints, entries), issuedAt: now },
          key,
        );
      }
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (opts.out) {
        try {
          writeFileSync(opts.out, text, { flag: 'wx' });
        } catch (err) {
          throw new UsageError(`--out ${opts.out}: cannot write it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        io.stdout(`certificate written to ${opts.out}\n`);
      } else io.stdout(text);
      return EXIT.ok;
    },
    { stores: TRAIL_ONLY },
  );
}

/** The first signed checkpoint whose head covers every entry; when none does yet, one is made now. */
async function coveringCheckpoint(checkpoints: Checkpointer, entries: readonly (AuditRecord | null)[]): Promise<SignedCheckpoint> {
  const newest = Math.max(...entries.map((e) => e?.id ?? 0));
  const found = await checkpoints.covering(newest);
  return found ? found.checkpoint : (await checkpoints.checkpoint()).checkpoint;
}
