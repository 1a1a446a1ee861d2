import { html, type SafeHtml } from '../html.js';

/**
 * A table of the console: its id (what the pages' scripts and the tests select), one heading per
 * column, and the rows already built by the page (they carry the classes and data attributes).
 */
export function dataTable(id: string, headings: readonly string[], rows: readonly SafeHtml[]): SafeHtml {
  return html`<table id="${id}">
    <thead>
      <tr>
        ${headings.map((heading) => html`<th>${heading}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}
