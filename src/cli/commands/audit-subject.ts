import { findSubjectPurges, isCompletePurge } from '../../subjects/find-subject-purges.js';
import { AuditKeyError } from '../../audit/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';

export interface AuditSubjectOptions extends GlobalOptions {
  args?: string[];
}

/**
 * `retention audit subject ID`: 0 found (purged from every enabled store and marked), 1 not
 * found, 3 could not check. The id is looked up by its keyed hash only; it is never printed back.
 */
export async function auditSubjectCommand(opts: AuditSubjectOptions, io: CliIo): Promise<number> {
  const id = opts.args?.[0] ?? '';
  const config = loadConfig(opts);
  return withEngine(
    config,
    io,
    async (engine) => {
      // Under another key the subject's hash would differ, and "never purged" would be a wrong answer.
      const key = await engine.audit.keyStatus();
      if (key.status === 'mismatch') throw new AuditKeyError(key.message, key.trailFingerprint, key.fingerprint);
      const entries = await findSubjectPurges(engine.audit, config.audit.key, id);
      const complete = entries.filter(isCompletePurge);
      const found = complete.length > 0;
      if (opts.json) {
        printJson(io, {
          found,
          subjectHash: entries[0]?.subjectHash ?? engine.audit.subjectHash(id),
          purgedAt: complete[0]?.at.toISOString() ?? null,
          entries: entries.map((e) => ({
            id: e.id,
            at: e.at.toISOString(),
            runId: e.runId,
            policy: e.policy,
            dryRun: e.dryRun,
            data: e.data,
          })),
        });
      } else if (found) {
        const e = complete[0]!;
        io.stdout(
          `purged at ${e.at.toISOString()} by run ${e.runId} (policy ${e.policy}); deadline ${String(e.data.deadline ?? '?')}; stores ${JSON.stringify(e.data.stores ?? [])}\n`,
        );
        if (entries.length > complete.length)
          io.stdout(`${entries.length - complete.length} other entries (skipped, failed or partial attempts)\n`);
      } else {
        io.stdout(
          entries.length > 0
            ? `not purged yet: ${entries.length} entries (skipped, failed or partial attempts)\n`
            : 'no purge of this subject in the audit trail\n',
        );
      }
      return found ? EXIT.ok : EXIT.no;
    },
    { stores: TRAIL_ONLY },
  );
}
