import { runPolicies, selectPolicies, storeFilterOf, storesUsedBy, type SubjectPolicyRunner } from '../../engine/run-policies.js';
import { exitCodeOf } from '../../engine/policy-status.js';
import { formatDuration, formatRate } from '../../engine/progress-estimate.js';
import { progressLog } from '../../engine/progress-log.js';
import { combineProgressListeners } from '../../engine/target-progress.js';
import { UsageError } from '../../errors/index.js';
import type { RunDocument, StoreName } from '../../types.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

export interface RunCommandOptions extends GlobalOptions {
  policy?: string[];
  store?: StoreName[];
  dryRun?: boolean;
  allowLarge?: boolean;
  /** Seconds between `target progress` log entries per target; unset = none. */
  progress?: string;
  /** No live progress line on a terminal. */
  quiet?: boolean;
}

/** The audit trail's head after the run: what an operator keeps to prove later that nothing was cut off. */
export interface AuditHeadNote {
  id: number;
  hash: string;
}

/** `retention run`: the policies once, now, in this process. */
export async function runCommand(opts: RunCommandOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  // Usage errors (unknown policy, a disabled store, a bad --progress) before any connection is made.
  const policies = selectPolicies(config, opts.policy);
  storeFilterOf(config, opts.store);
  const progressSeconds = parseProgressSeconds(opts.progress);
  // cli-progress is loaded only when there is a terminal to draw on.
  const display =
    !opts.quiet && io.terminal?.isTTY && io.stdoutIsTTY
      ? new (await import('../terminal/terminal-progress.js')).TerminalProgress(io.terminal)
      : undefined;
  const progress = combineProgressListeners(
    display,
    progressSeconds === undefined ? undefined : progressLog(io.logger, progressSeconds, { withEta: true }),
  );
  return withEngine(
    config,
    io,
    async (engine) => {
      await engine.audit.migrate();
      // A wrong or missing key stops here (exit 2), before any policy starts.
      await engine.audit.checkKey();
      let doc: RunDocument;
      try {
        doc = await runPolicies(
          engine.ctx,
          { policies: opts.policy, stores: opts.store, dryRun: opts.dryRun ?? false, allowLarge: opts.allowLarge ?? false },
          runSubjectPolicyOnDemand,
        );
      } finally {
        display?.stop();
      }
      const head = await engine.audit.head();
      if (opts.json) printJson(io, doc);
      else io.stdout(formatRun(doc, head));
      return exitCodeOf(doc.status);
    },
    // Only the stores these policies' targets name are opened (and their drivers loaded).
    { progress, stores: storesUsedBy(policies) },
  );
}

/** subjects/ loads with the first subject policy of the run: an age-policy run never reads it. */
const runSubjectPolicyOnDemand: SubjectPolicyRunner = async (...args) =>
  (await import('../../subjects/run-subject-policy.js')).runSubjectPolicy(...args);

function parseProgressSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--progress ${value}: expected a number of seconds greater than 0`);
  return seconds;
}

export function formatRun(doc: RunDocument, head: AuditHeadNote | null = null): string {
  const lines = [`run ${doc.runId}${doc.dryRun ? ' (dry run)' : ''}: ${doc.status}  ${doc.startedAt} → ${doc.finishedAt}`];
  for (const p of doc.policies) {
    const why = p.reason ? ` (${p.reason}${p.error ? `: ${p.error}` : ''})` : '';
    lines.push(`  policy ${p.name}: ${p.status}${why}  cutoff ${p.cutoff ?? '(per subject)'}`);
    if (p.subjects) {
      const s = p.subjects;
      lines.push(
        `    subjects: due ${s.due}, purged ${s.purged}, failed ${s.failed}, skipped ${s.skipped}, deferred ${s.deferred}, held ${s.held}`,
      );
    }
    for (const t of p.targets) {
      const count = doc.dryRun ? `would delete ${t.wouldDelete ?? 0}` : `deleted ${t.deleted}`;
      const pace =
        doc.dryRun || t.durationMs === 0
          ? ''
          : `  in ${formatDuration(t.durationMs / 1000)} (${formatRate((t.deleted * 1000) / t.durationMs)})`;
      const unusable = t.unusableTime ? `, ${t.unusableTime} with no usable time` : '';
      const extra = t.reason ? ` [${t.reason}]` : '';
      const err = t.error ? `  ${t.error}` : '';
      lines.push(`    ${t.store.padEnd(5)} ${t.target.padEnd(28)} ${t.status.padEnd(9)} ${count}${pace}${unusable}${extra}${err}`);
    }
  }
  if (head)
    lines.push(
      `audit head: entry ${head.id}, hash ${head.hash}`,
      `  keep it: \`retention audit verify --head ${head.hash}\` later proves nothing up to here was removed`,
    );
  return `${lines.join('\n')}\n`;
}
