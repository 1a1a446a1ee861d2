import { runPolicies, selectPolicies, storeFilterOf } from '../../engine/run-policies.js';
import { exitCodeOf } from '../../engine/policy-status.js';
import { runSubjectPolicy } from '../../subjects/run-subject-policy.js';
import type { RunDocument, StoreName } from '../../types.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

export interface RunCommandOptions extends GlobalOptions {
  policy?: string[];
  store?: StoreName[];
  dryRun?: boolean;
  allowLarge?: boolean;
}

/** `retention run`: the policies once, now, in this process. */
export async function runCommand(opts: RunCommandOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  // Usage errors (unknown policy, a disabled store) before any connection is made.
  selectPolicies(config, opts.policy);
  storeFilterOf(config, opts.store);
  return withEngine(config, io, async (engine) => {
    await engine.audit.migrate();
    const doc = await runPolicies(
      engine.ctx,
      { policies: opts.policy, stores: opts.store, dryRun: opts.dryRun ?? false, allowLarge: opts.allowLarge ?? false },
      runSubjectPolicy,
    );
    if (opts.json) printJson(io, doc);
    else io.stdout(formatRun(doc));
    return exitCodeOf(doc.status);
  });
}

export function formatRun(doc: RunDocument): string {
  const lines = [`run ${doc.runId}${doc.dryRun ? ' (dry run)' : ''}: ${doc.status}  ${doc.startedAt} → ${doc.finishedAt}`];
  for (const p of doc.policies) {
    const why = p.reason ? ` (${p.reason}${p.error ? `: ${p.error}` : ''})` : '';
    lines.push(`  policy ${p.name}: ${p.status}${why}  cutoff ${p.cutoff ?? '(per subject)'}`);
    if (p.subjects) {
      const s = p.subjects;
      lines.push(`    subjects: due ${s.due}, purged ${s.purged}, failed ${s.failed}, skipped ${s.skipped}, deferred ${s.deferred}, held ${s.held}`);
    }
    for (const t of p.targets) {
      const count = doc.dryRun ? `would delete ${t.wouldDelete ?? 0}` : `deleted ${t.deleted}`;
      const unusable = t.unusableTime ? `, ${t.unusableTime} with no usable time` : '';
      const extra = t.reason ? ` [${t.reason}]` : '';
      const err = t.error ? `  ${t.error}` : '';
      lines.push(`    ${t.store.padEnd(5)} ${t.target.padEnd(28)} ${t.status.padEnd(9)} ${count}${unusable}${extra}${err}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
