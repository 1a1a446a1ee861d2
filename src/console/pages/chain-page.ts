import type { ChainView } from '../console-data.js';
import { html } from '../html.js';
import { formatInstant, layout } from './layout.js';

/** Audit chain: whether the whole chain verifies, its head and size. */
export function chainPage(view: ChainView): string {
  const v = view.verification;
  const bad = v.firstBad;
  return layout(
    'Audit chain',
    '/chain',
    html`<p class="${v.ok ? 'ok' : 'bad'}" id="chain-status">
        ${v.ok ? 'Intact: every entry recomputes to its stored hash and links to the one before.' : 'BROKEN: the chain does not verify.'}
      </p>
      <dl class="facts">
        <dt>entries verified</dt>
        <dd id="chain-entries">${v.entries}</dd>
        <dt>head hash</dt>
        <dd><code id="chain-head">${v.headHash ?? '—'}</code></dd>
        ${
          bad
            ? html`<dt>first bad entry</dt>
                <dd id="chain-first-bad">${JSON.stringify(bad)}</dd>`
            : ''
        }
        <dt>checked</dt>
        <dd>${formatInstant(view.checkedAt)} (re-checked at most once a minute)</dd>
      </dl>
      <p>
        <small
          >The same check as <code>retention audit verify</code>; keep the head hash somewhere the database's owner cannot rewrite.</small
        >
      </p>`,
  );
}
