import type { PromisesView } from '../console-data.js';
import { html } from '../html.js';
import { dataTable } from './data-table.js';
import { formatAge, formatInstant, layout } from './layout.js';

const PROMISE_HEADINGS = [
  'policy',
  'promise',
  'store',
  'target',
  'status',
  'last successful run',
  'oldest record / promise',
  'overdue',
  'next run',
  'error',
];

/** Promises: one row per policy and target, red where `retention report` would exit non-zero. */
export function promisesPage(view: PromisesView): string {
  const verdict =
    view.reportExit === 0
      ? html`<p class="ok" id="verdict">Every promise is kept: <code>retention report</code> exits 0.</p>`
      : html`<p class="bad" id="verdict">
          Not every promise is kept: <code>retention report</code> exits ${view.reportExit} (${view.rows.filter((r) => r.red).length} row(s)
          in red).
        </p>`;
  const rows = view.rows.map(
    (r) =>
      html`<tr class="${r.red ? 'red' : ''}" data-policy="${r.policy}" data-target="${r.target ?? ''}">
        <td>${r.policy}<br /><small>${r.category}</small></td>
        <td>${r.promise}</td>
        <td>${r.store ?? 'every store'}</td>
        <td>${r.target ?? ''}</td>
        <td class="status">${r.status}</td>
        <td>${formatInstant(r.lastSuccess)}</td>
        <td>${formatAge(r.oldestAgeSeconds)}${r.promiseSeconds === null ? '' : html` / ${formatAge(r.promiseSeconds)}`}</td>
        <td class="num overdue">${r.overdue}</td>
        <td>${formatInstant(r.nextRun)}</td>
        <td class="error">${r.error ?? ''}</td>
      </tr>`,
  );
  const blocked = view.blocked.map(
    (b) =>
      html`<tr class="red">
        <td>${b.policy}</td>
        <td>${b.store ?? ''}</td>
        <td>${b.target ?? ''}</td>
        <td><code>${b.reason}</code></td>
        <td class="num">${b.count === null ? '—' : b.count}</td>
        <td>${b.message}</td>
      </tr>`,
  );
  const warnings = view.warnings.map((w) => html`<li><code>${w.code}</code> ${w.message}</li>`);
  return layout(
    'Promises',
    '/',
    html`${verdict} ${dataTable('promises', PROMISE_HEADINGS, rows)}
      ${
        view.blocked.length > 0
          ? html`<h2>Promises that cannot be kept as configured</h2>
              ${dataTable('blocked', ['policy', 'store', 'target', 'reason', 'count', 'what to do'], blocked)}`
          : ''
      }
      ${
        view.warnings.length > 0
          ? html`<h2>Warnings</h2>
              <ul id="warnings">
                ${warnings}
              </ul>`
          : ''
      }
      <p>
        <small>As of ${formatInstant(view.generatedAt)}; the same figures as <code>retention report --json</code>.</small>
      </p>`,
  );
}
