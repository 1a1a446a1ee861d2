import { UsageError } from '../../errors/index.js';
import type { AuditRun } from '../../audit/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

export interface AuditListOptions extends GlobalOptions {
  since?: string;
  policy?: string;
  run?: string;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `24h`, `7d`, `30m` → milliseconds. */
export function parseSince(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text.trim());
  if (!match) throw new UsageError(`--since ${text}: expected a number and a unit m, h or d (e.g. 24h)`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** `retention audit list`: runs newest first, each with its targets. */
export async function auditListCommand(opts: AuditListOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  const sinceMs = parseSince(opts.since ?? '24h');
  return withEngine(config, io, async (engine) => {
    const runs = await engine.audit.listRuns(
      { since: new Date(Date.now() - sinceMs), policy: opts.policy, runId: opts.run },
      (policy) => engine.mysql.isPolicyLocked(policy),
    );
    if (opts.json) printJson(io, { runs: runs.map(runJson) });
    else io.stdout(runs.length === 0 ? `no audit entries in the last ${opts.since ?? '24h'}\n` : runs.map(formatRun).join(''));
    return EXIT.ok;
  });
}

function runJson(run: AuditRun) {
  return {
    runId: run.runId,
    policy: run.policy,
    status: run.status,
    dryRun: run.dryRun,
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    subjects: run.subjects,
    entries: run.entries.map((e) => ({ id: e.id, kind: e.kind, at: e.at.toISOString(), store: e.store, target: e.target, retain: e.retain, data: e.data, hash: e.hash })),
  };
}

function formatRun(run: AuditRun): string {
  const head = `${run.startedAt?.toISOString() ?? '?'}  ${run.policy ?? '(run)'}  ${run.status}${run.dryRun ? ' (dry run)' : ''}  run ${run.runId}\n`;
  const lines = run.targets.map((t) => {
    const d = t.data as Record<string, unknown>;
    const count = run.dryRun ? `would delete ${String(d.wouldDelete ?? 0)}` : `deleted ${String(d.deleted ?? 0)}`;
    const err = d.error ? `  ${String(d.error)}` : '';
    return `    ${String(t.store ?? '').padEnd(5)} ${String(t.target ?? '').padEnd(28)} ${String(d.status ?? '').padEnd(9)} ${count}${err}\n`;
  });
  const subjects = run.subjects > 0 ? [`    ${run.subjects} subject entries\n`] : [];
  return head + lines.join('') + subjects.join('');
}
