import type { SubjectView } from '../console-data.js';
import { html } from '../html.js';
import { dataTable } from './data-table.js';
import { formatInstant, layout } from './layout.js';

const FORM = html`<form method="post" action="/subject" autocomplete="off">
    <label>account id <input name="id" inputmode="numeric" required autocomplete="off" /></label>
    <button>look up</button>
    <button formaction="/subject/certificate" id="certificate-button">download certificate</button>
  </form>
  <p>
    <small>The id is sent in the request body, turned into its keyed hash on the server, and neither stored, logged nor shown back.</small>
  </p>`;

/** Subject lookup: a form (POST, so the id never appears in a URL), and the answer by keyed hash. */
export function subjectPage(result: SubjectView | null, error: string | null = null): string {
  let answer = html``;
  if (error) answer = html`<p class="bad" id="subject-error">${error}</p>`;
  else if (result?.found)
    answer = html`<p class="ok" id="subject-result">
        Purged at ${formatInstant(result.purgedAt)} by run <a href="/runs/${encodeURIComponent(result.runId ?? '')}">${result.runId}</a>
        (policy ${result.policy}).
      </p>
      <p id="certificate-status">
        ${
          result.certificate
            ? 'A signed deletion certificate can be issued: enter the id again and press "download certificate" (this page does not keep it).'
            : 'No signed checkpoint covers this purge yet, or no signing key is set: the next policy run signs one, and `retention audit certificate --subject` issues a certificate at once.'
        }
      </p>`;
  else if (result)
    answer = html`<p class="bad" id="subject-result">
      ${result.entries.length > 0 ? `Not purged yet: ${result.attempts} attempt(s) recorded (skipped, failed or partial).` : 'No purge of this subject in the audit trail.'}
    </p>`;
  const entries =
    result && result.entries.length > 0
      ? html`${dataTable(
            'subject-entries',
            ['entry', 'at', 'run', 'complete', 'hash'],
            result.entries.map(
              (e) =>
                html`<tr>
                  <td class="num">${e.id}</td>
                  <td>${formatInstant(e.at)}</td>
                  <td>${e.runId}</td>
                  <td>${e.complete ? 'yes' : 'no'}</td>
                  <td><code>${e.hash.slice(0, 12)}…</code></td>
                </tr>`,
            ),
          )}
          <p>
            <small>subject hash <code id="subject-hash">${result.subjectHash}</code></small>
          </p>`
      : '';
  return layout('Subject lookup', '/subject', html`${FORM}${answer}${entries}`);
}
