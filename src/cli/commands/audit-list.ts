import { RunSummaries, runHeaderJson, runKey, summarize, type AuditRecord, type EntryFilter, type RunSummary } from '../../audit/index.js';
import { EXIT } from '../exit-codes.js';
import { writeStdout, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';
import { parseLimit, parseTimeBound } from '../parse-time-bound.js';

export interface AuditListOptions extends GlobalOptions {
  since?: string;
  until?: string;
  policy?: string;
  run?: string;
  limit?: string;
}

/**
 * `retention audit list`: every entry of the range, newest first, streamed. The count comes
 * from SQL (run alongside the stream), so it is right however many entries there are; `--limit`
 * cuts the listing and the last line (text) or `omitted` (JSON) says how many entries it left
 * out. Text groups the entries into runs (a run is printed when the stream reaches its start);
 * JSON lists every entry, then the runs.
 */
export async function auditListCommand(opts: AuditListOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  const now = new Date();
  const filter: EntryFilter = {
    since: parseTimeBound('--since', opts.since ?? '24h', now),
    until: opts.until === undefined ? undefined : parseTimeBound('--until', opts.until, now),
    policy: opts.policy,
    runId: opts.run,
  };
  const limit = parseLimit(opts.limit);
  return withEngine(
    config,
    io,
    async (engine) => {
      // Counted by MySQL while the entries stream, so that the first line does not wait for it.
      const counting = engine.audit.count(filter);
      counting.catch(() => undefined); // awaited below; an early failure must not go unhandled
      const range = describeRange(opts, filter);
      const locks = new Map<string, Promise<boolean>>();
      const isLocked = (policy: string): Promise<boolean> => {
        let answer = locks.get(policy);
        if (!answer) locks.set(policy, (answer = engine.mysql.isPolicyLocked(policy)));
        return answer;
      };
      const summaries = new RunSummaries();
      const runs: ReturnType<typeof runJson>[] = [];

      if (opts.json) await writeStdout(io, `{\n  "range": ${JSON.stringify(range)},\n  "entries": [`);
      else await writeStdout(io, `audit entries ${range.text}, newest first${limit === undefined ? '' : ` (at most ${limit}: --limit)`}\n`);
      let first = true;
      let seen = 0;
      for await (const entry of engine.audit.stream(filter, { newestFirst: true, limit })) {
        seen += 1;
        if (opts.json) {
          await writeStdout(io, `${first ? '\n' : ',\n'}    ${JSON.stringify(entryJson(entry))}`);
          first = false;
        }
        const done = summaries.add(entry);
        if (done) {
          const run = await summarize(done, true, isLocked);
          if (opts.json) runs.push(runJson(run));
          else await writeStdout(io, formatRun(run));
        }
      }
      // Runs that began before the range (or before the cut): look their real start up.
      const rest = summaries.finish();
      const starts = await engine.audit.runStarts(rest);
      for (const open of rest) {
        open.startedAt = starts.get(runKey(open)) ?? null;
        const run = await summarize(open, false, isLocked);
        if (opts.json) runs.push(runJson(run));
        else await writeStdout(io, formatRun(run));
      }
      const total = Math.max(await counting, seen);
      const omitted = total - seen;
      if (opts.json) {
        const tail = { runs, total, shown: seen, omitted, limit: limit ?? null, truncated: omitted > 0 };
        await writeStdout(io, `${first ? '' : '\n  '}],\n${JSON.stringify(tail, null, 2).slice(2)}\n`);
      } else if (total === 0) await writeStdout(io, `no audit entries ${range.text}\n`);
      else if (omitted > 0)
        await writeStdout(
          io,
          `${total} entries in the range; --limit ${limit}: the newest ${seen} shown, ${omitted} left out (raise --limit, or \`retention audit export\` for all)\n`,
        );
      else await writeStdout(io, `${total} entries in the range, all shown\n`);
      return EXIT.ok;
    },
    { stores: TRAIL_ONLY },
  );
}

function describeRange(opts: AuditListOptions, filter: EntryFilter) {
  const since = filter.since?.toISOString() ?? null;
  const until = filter.until?.toISOString() ?? null;
  const parts = [`from ${since ?? 'the start'}`, `until ${until ?? 'now'}`];
  if (opts.policy) parts.push(`policy ${opts.policy}`);
  if (opts.run) parts.push(`run ${opts.run}`);
  return { since, until, policy: opts.policy ?? null, runId: opts.run ?? null, text: parts.join(', ') };
}

function entryJson(e: AuditRecord) {
  return {
    id: e.id,
    kind: e.kind,
    at: e.at.toISOString(),
    runId: e.runId,
    policy: e.policy,
    store: e.store,
    target: e.target,
    dryRun: e.dryRun,
    retain: e.retain,
    data: e.data,
    hash: e.hash,
  };
}

function runJson(run: RunSummary) {
  return {
    ...runHeaderJson(run),
    complete: run.complete,
    subjects: run.subjects,
    counts: run.counts,
    targets: run.targets.map((t) => ({ id: t.id, store: t.store, target: t.target, data: t.data })),
  };
}

function formatRun(run: RunSummary): string {
  const start = run.startedAt?.toISOString() ?? '(no start recorded)';
  const part = run.complete ? '' : '  (partly in this listing)';
  const head = `${start}  ${run.policy ?? '(run)'}  ${run.status}${run.dryRun ? ' (dry run)' : ''}  run ${run.runId}${part}\n`;
  const lines = run.targets.map((t) => {
    const d = t.data as Record<string, unknown>;
    const count = run.dryRun ? `would delete ${String(d.wouldDelete ?? 0)}` : `deleted ${String(d.deleted ?? 0)}`;
    const err = d.error ? `  ${String(d.error)}` : '';
    return `    ${String(t.store ?? '').padEnd(5)} ${String(t.target ?? '').padEnd(28)} ${String(d.status ?? '').padEnd(9)} ${count}${err}\n`;
  });
  const subjects = run.subjects > 0 ? [`    ${run.subjects} subject entries\n`] : [];
  return head + lines.join('') + subjects.join('');
}
