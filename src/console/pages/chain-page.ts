import type { ChainView } from '../console-data.js';
import { html, type SafeHtml } from '../html.js';
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
      ${checkpointSection(view)}
      <p>
        <small
          >The same check as <code>retention audit verify</code>; keep the head hash somewhere the database's owner cannot rewrite.</small
        >
      </p>`,
  );
}

function checkpointSection(view: ChainView): SafeHtml {
  const cp = view.checkpoint;
  if (cp === undefined)
    return html`<p id="checkpoint-status">
      <small
        >No signing key (<code>audit.signingKey</code>): no checkpoint is signed, so the chain is proven only against a head hash kept
        elsewhere.</small
      >
    </p>`;
  if (cp === null)
    return html`<p id="checkpoint-status">
      No signed checkpoint yet: the next policy run (or <code>retention audit checkpoint</code>) signs one.
    </p>`;
  return html`<h2>Last signed checkpoint</h2>
    <p class="${cp.ok ? 'ok' : 'bad'}" id="checkpoint-status">
      ${cp.ok ? 'Proven: the chain is intact up to the signed head, and nothing up to it was cut off.' : `NOT proven by the checkpoint: ${cp.failed ?? ''}`}
    </p>
    <dl class="facts">
      <dt>signed head</dt>
      <dd>entry <span id="checkpoint-head">${cp.headId}</span>, <code>${cp.headHash}</code></dd>
      <dt>entries up to it</dt>
      <dd id="checkpoint-entries">${cp.entries}</dd>
      <dt>signed</dt>
      <dd>${formatInstant(cp.at)} by key <code>${cp.keyId.slice(0, 16)}…</code></dd>
    </dl>`;
}
