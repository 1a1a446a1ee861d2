import { UsageError } from '../../errors/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

export interface AuditSubjectOptions extends GlobalOptions {
  args?: string[];
}

/** `retention audit subject ID`: 0 found (purged), 1 not found, 3 could not check. The id is looked up by its keyed hash only. */
export async function auditSubjectCommand(opts: AuditSubjectOptions, io: CliIo): Promise<number> {
  const id = opts.args?.[0] ?? '';
  if (!/^\d{1,20}$/.test(id)) throw new UsageError('audit subject: the id must be a decimal integer');
  const config = loadConfig(opts);
  if (config.audit.key === '') throw new UsageError('audit subject needs audit.key: subjects are recorded only as HMAC-SHA-256(audit key, id)');
  return withEngine(config, io, async (engine) => {
    const hash = engine.audit.subjectHash(id);
    const entries = await engine.audit.findSubject(hash);
    const purged = entries.filter((e) => !e.dryRun && (e.data as Record<string, unknown>).status === 'purged');
    const found = purged.length > 0;
    if (opts.json) {
      printJson(io, {
        found,
        subjectHash: hash,
        purgedAt: purged[0]?.at.toISOString() ?? null,
        entries: entries.map((e) => ({ id: e.id, at: e.at.toISOString(), runId: e.runId, policy: e.policy, dryRun: e.dryRun, data: e.data })),
      });
    } else if (found) {
      const e = purged[0]!;
      const d = e.data as Record<string, unknown>;
      io.stdout(`subject purged at ${e.at.toISOString()} by run ${e.runId} (policy ${e.policy}); deadline ${String(d.deadline ?? '?')}; stores ${JSON.stringify(d.stores ?? [])}\n`);
      if (entries.length > purged.length) io.stdout(`${entries.length - purged.length} other entries (skipped or failed attempts)\n`);
    } else {
      io.stdout(entries.length > 0 ? `subject not purged yet: ${entries.length} entries (skipped or failed attempts)\n` : 'no purge of this subject in the audit trail\n');
    }
    return found ? EXIT.ok : EXIT.no;
  });
}
