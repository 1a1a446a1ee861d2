import { html, type SafeHtml } from '../html.js';

const NAV = [
  ['/', 'Promises'],
  ['/runs', 'Runs'],
  ['/chain', 'Audit chain'],
  ['/subject', 'Subject lookup'],
  ['/queue/', 'Queue'],
] as const;

/** The page frame: navigation, one stylesheet, scripts from the console's own origin only (no inline code). */
export function layout(
  title: string,
  active: string,
  body: SafeHtml,
  scripts: readonly string[] = [],
  styles: readonly string[] = [],
): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · retention console</title>
        <link rel="stylesheet" href="/assets/console.css" />
        ${styles.map((href) => html`<link rel="stylesheet" href="${href}" />`)}
        <link rel="icon" href="data:," />
      </head>
      <body>
        <header>
          <strong>retention console</strong>
          <nav>${NAV.map(([href, label]) => html`<a href="${href}" class="${href === active ? 'active' : ''}">${label}</a>`)}</nav>
          <span class="readonly">read-only</span>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
        ${scripts.map((src) => html`<script src="${src}" defer></script>`)}
      </body>
    </html>`.value;
}

/** `2026-12-03 13:12:00Z`: readable, unambiguous, sortable. */
export function formatInstant(value: Date | string | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** `3d 4h`, `5h 12m`, `40s`: an age or a duration at a glance. */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 86_400) return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${s}s`;
}
