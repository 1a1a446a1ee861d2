import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import { appendConcurrently, appendMany, freshTrail } from './audit-fixtures.js';
import { exportRecord } from '../../../src/audit/export-format.js';
import type { AuditTrail } from '../../../src/audit/audit-trail.js';
import type { EntryFilter } from '../../../src/audit/entry-filter.js';

/** Writes what `retention audit export --format jsonl` writes, through the same functions. */
async function exportTo(trail: AuditTrail, file: string, filter: EntryFilter = {}): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of trail.stream(filter)) lines.push(JSON.stringify(exportRecord(e)));
  await writeFile(file, `${lines.join('\n')}\n`);
  return lines;
}

// The script an auditor copies from docs/audit.md, run exactly as printed there. It lives under
// node_modules/.cache so that its `import 'mysql2/promise'` resolves to the repository's copy.
const DOC = fileURLToPath(new URL('../../../docs/audit.md', import.meta.url));
const SCRIPT_DIR = fileURLToPath(
  new URL(`../../../node_modules/.cache/retention-audit-doc-${randomBytes(4).toString('hex')}/`, import.meta.url),
);
const SCRIPT = `${SCRIPT_DIR}verify-audit.mjs`;

let db: TestDatabase;
let pool: Pool;

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(key: string, ...args: string[]): Promise<ScriptRun> {
  return runScriptOn(key, db.url, ...args);
}

function runScriptOn(key: string, source: string, ...args: string[]): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, source, ...args],
      { env: { ...process.env, AUDIT_KEY: key }, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  const doc = await readFile(DOC, 'utf8');
  const block = /<!-- auditor-script[^>]*-->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/audit.md has no auditor-script block');
  expect(block.split('\n').filter(Boolean).length).toBeLessThanOrEqual(40);
  await mkdir(SCRIPT_DIR, { recursive: true });
  await writeFile(SCRIPT, block);
  db = await createTestDatabase('audit_script');
  pool = createMysqlPool(db.url);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(SCRIPT_DIR, { recursive: true, force: true });
});

describe('the auditor script in docs/audit.md', () => {
  it('accepts an intact keyed chain, across its 500-row pages, and its logged head', { timeout: 120_000 }, async () => {
    const trail = await freshTrail(pool, { key: 'auditor-key' });
    await appendConcurrently(trail, 503);
    const head = (await trail.head())?.hash as string;
    const plain = await runScript('auditor-key', trail.tables.auditName);
    expect(plain).toMatchObject({ code: 0, stdout: `ok: 503 entries, head ${head}\n` });
    expect((await runScript('auditor-key', trail.tables.auditName, head)).code).toBe(0);
    expect((await runScript('wrong-key', trail.tables.auditName)).stderr).toMatch(/hash mismatch/);
  });

  it('accepts an unkeyed chain with AUDIT_KEY empty', async () => {
    const trail = await freshTrail(pool, { key: '' });
    await appendMany(trail, 5);
    expect(await runScript('', trail.tables.auditName)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^ok: 5 entries/) as unknown,
    });
  });

  it('rejects a modified entry, a deleted entry, and a cut-off chain given its old head', async () => {
    const trail = await freshTrail(pool, { key: 'auditor-key' });
    await appendMany(trail, 6);
    const table = trail.tables.auditName;
    const head = (await trail.head())?.hash as string;
    const last = (await trail.head())?.id as number;

    await pool.query(`DELETE FROM \`${table}\` WHERE id = ?`, [last]);
    const cut = await runScript('auditor-key', table, head);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/cut off/);

    await pool.query(`DELETE FROM \`${table}\` WHERE id = ?`, [last - 3]);
    expect((await runScript('auditor-key', table)).stderr).toMatch(`entry ${last - 2}: does not link`);

    await pool.query(`UPDATE \`${table}\` SET entry = REPLACE(entry, '"deleted":"0"', '"deleted":"9"') WHERE id = ?`, [last - 5]);
    expect(await runScript('auditor-key', table)).toMatchObject({ code: 1, stderr: `entry ${last - 5}: hash mismatch\n` });
  });

  it('accepts a JSON Lines export offline, and one export chained to the next with FROM_HASH', async () => {
    const trail = await freshTrail(pool, { key: 'auditor-key' });
    await appendMany(trail, 8);
    const all = `${SCRIPT_DIR}all.jsonl`;
    await exportTo(trail, all);
    const head = (await trail.head())?.hash as string;
    expect(await runScriptOn('auditor-key', all)).toMatchObject({ code: 0, stdout: `ok: 8 entries, head ${head}\n` });
    expect((await runScriptOn('wrong-key', all)).stderr).toMatch(/hash mismatch/);

    // Entries at BASE_TIME + i s: the first four, then the rest, chained by the first one's last hash.
    const cut = new Date(Date.UTC(2026, 10, 28, 10, 0, 4));
    const first = await exportTo(trail, `${SCRIPT_DIR}first.jsonl`, { until: cut });
    await exportTo(trail, `${SCRIPT_DIR}second.jsonl`, { since: cut });
    const firstHead = (JSON.parse(first.at(-1) as string) as { hash: string }).hash;
    expect((await runScriptOn('auditor-key', `${SCRIPT_DIR}second.jsonl`, firstHead)).code).toBe(0);
    expect((await runScriptOn('auditor-key', `${SCRIPT_DIR}second.jsonl`, head)).stderr).toMatch(/does not link/);
  });

  it('rejects an export with a changed readable field, a changed hashed entry, or an entry removed', async () => {
    const trail = await freshTrail(pool, { key: 'auditor-key' });
    await appendMany(trail, 6);
    const file = `${SCRIPT_DIR}tamper.jsonl`;
    const lines = await exportTo(trail, file);
    const ids = lines.map((l) => (JSON.parse(l) as { id: number }).id);
    const write = (changed: string[]) => writeFile(file, `${changed.join('\n')}\n`);

    await write(lines.map((l, i) => (i === 2 ? l.replace('"deleted":"2"', '"deleted":"0"') : l)));
    expect(await runScriptOn('auditor-key', file)).toMatchObject({
      code: 1,
      stderr: `entry ${ids[2]}: data differs from the hashed entry\n`,
    });
    await write(lines.map((l, i) => (i === 3 ? l.replace('\\"deleted\\":\\"3\\"', '\\"deleted\\":\\"0\\"') : l)));
    expect(await runScriptOn('auditor-key', file)).toMatchObject({ code: 1, stderr: `entry ${ids[3]}: hash mismatch\n` });
    await write(lines.filter((_, i) => i !== 4));
    expect(await runScriptOn('auditor-key', file)).toMatchObject({
      code: 1,
      stderr: `entry ${ids[5]}: does not link to the entry before it\n`,
    });
  });
});
