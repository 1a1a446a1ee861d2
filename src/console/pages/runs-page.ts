import { runHeaderJson, type AuditRecord, type AuditRun, type RunHeaderJson } from '../../audit/index.js';
import { html } from '../html.js';
import { dataTable } from './data-table.js';
import { formatAge, formatInstant, layout } from './layout.js';

/** What one run did, from its entries: totals the Runs page and its chart both use. */
export interface RunSummary extends RunHeaderJson {
  durationSeconds: number | null;
  deleted: number;
  /** Per `store:target`: records deleted (or, for a dry run, that would be). */
  perTarget: Record<string, number>;
  subjects: number;
}

export function summarizeRun(run: AuditRun): RunSummary {
  const perTarget: Record<string, number> = {};
  let deleted = 0;
  for (const t of run.targets) {
    const n = Number(run.dryRun ? (t.data.wouldDelete ?? 0) : (t.data.deleted ?? 0));
    const key = `${t.store ?? ''}:${t.target ?? ''}`;
    perTarget[key] = (perTarget[key] ?? 0) + n;
    deleted += n;
  }
  const started = run.startedAt?.getTime() ?? null;
  const finished = run.finishedAt?.getTime() ?? null;
  return {
    ...runHeaderJson(run),
    durationSeconds: started !== null && finished !== null ? (finished - started) / 1000 : null,
    deleted,
    perTarget,
    subjects: run.subjects,
  };
}

/** Runs: a chart of records deleted per target per run and of run durations, then the runs as a table. */
export function runsPage(summaries: readonly RunSummary[], since: string): string {
  const rows = summaries.map(
    (r) =>
      html`<tr
        class="${r.status === 'failed' || r.status === 'abandoned' ? 'red' : ''}"
        data-run="${r.runId}"
        data-policy="${r.policy ?? ''}"
      >
        <td>${formatInstant(r.startedAt)}</td>
        <td>${r.policy ?? ''}</td>
        <td class="status">${r.status}${r.dryRun ? ' (dry run)' : ''}</td>
        <td class="num deleted">${r.deleted}</td>
        <td class="num">${r.subjects}</td>
        <td>${r.durationSeconds === null ? '—' : formatAge(r.durationSeconds)}</td>
        <td><a href="/runs/${encodeURIComponent(r.runId)}">${r.runId}</a></td>
      </tr>`,
  );
  return layout(
    'Runs',
    '/runs',
    html`<form method="get" action="/runs" class="inline">
        <label>since <input name="since" value="${since}" size="6" /></label> <button>show</button>
      </form>
      <p id="run-count">${summaries.length} run(s) since ${since}.</p>
      <section class="charts" data-since="${since}">
        <figure>
          <figcaption>records deleted per target per run</figcaption>
          <div id="chart-deleted"></div>
        </figure>
        <figure>
          <figcaption>run duration (s)</figcaption>
          <div id="chart-duration"></div>
        </figure>
      </section>
      ${dataTable('runs', ['started', 'policy', 'status', 'deleted', 'subjects', 'duration', 'run'], rows)}`,
    ['/assets/uPlot.iife.min.js', '/assets/runs-chart.js'],
    ['/assets/uPlot.min.css'],
  );
}

/** One run: per policy its status, times and count, then every entry (targets, statuses, cutoff, errors, hashes). */
export function runPage(runId: string, runs: readonly AuditRun[], entries: readonly AuditRecord[]): string {
  const policies = runs.map(summarizeRun).map(
    (s) =>
      html`<tr data-policy="${s.policy ?? ''}">
        <td>${s.policy ?? ''}</td>
        <td class="status">${s.status}${s.dryRun ? ' (dry run)' : ''}</td>
        <td>${formatInstant(s.startedAt)}</td>
        <td>${formatInstant(s.finishedAt)}</td>
        <td class="num deleted">${s.deleted}</td>
      </tr>`,
  );
  const rows = entries.map((e) => {
    const d = e.data as Record<string, unknown>;
    return html`<tr class="${d.status === 'failed' || d.status === 'refused' ? 'red' : ''}">
      <td class="num">${e.id}</td>
      <td>${e.kind}</td>
      <td>${formatInstant(e.at)}</td>
      <td>${e.store ?? ''}</td>
      <td>${e.target ?? ''}</td>
      <td class="status">${d.status === undefined ? '' : String(d.status)}</td>
      <td class="num">${d.deleted === undefined ? (d.wouldDelete === undefined ? '' : String(d.wouldDelete)) : String(d.deleted)}</td>
      <td>${d.cutoff ? formatInstant(String(d.cutoff)) : ''}</td>
      <td class="error">${d.error ? String(d.error) : ''}</td>
      <td><code title="${e.hash}">${e.hash.slice(0, 12)}…</code></td>
    </tr>`;
  });
  return layout(
    `Run ${runId}`,
    '/runs',
    html`${dataTable('run-policies', ['policy', 'status', 'started', 'finished', 'records deleted (due, for a dry run)'], policies)}
    ${dataTable('entries', ['entry', 'kind', 'at', 'store', 'target', 'status', 'deleted', 'cutoff', 'error', 'hash'], rows)}`,
  );
}
