/**
 * The audit scenario: a trail of N entries (1 M by default), exported as JSON Lines and as CSV,
 * and listed with `audit list`, each by the real CLI in a child process measured from outside
 * (wall time, time to the first line, peak RSS). Targets (issue 10): export ≥ 50 k entries/s
 * with peak RSS ≤ 120 MB; list: first line within 1 s, memory flat (the whole trail against
 * `--limit 1000`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCanonicalEntry, type AuditEntryInput } from '../../src/audit/audit-entry.js';
import { auditTables } from '../../src/audit/audit-tables.js';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain-hash.js';
import { columnFromDate } from '../../src/audit/entry-row.js';
import { migrateAudit } from '../../src/audit/migrate-audit.js';
import { subjectHash } from '../../src/audit/subject-hash.js';
import { createBenchDatabase } from '../mysql/bench-database.js';
import { readCpuMs, readPeakRssKib, runChild, tail } from '../support/child-process.js';

const KEY = 'bench-audit-key';
const SUBJECTS_PER_RUN = 10_000;
const INSERT_ROWS = 2000;

export interface AuditCommandResult {
  label: string;
  wallMs: number;
  /** From spawn to the first complete line on stdout (list) or null (export to a file). */
  firstLineMs: number | null;
  peakRssKib: number;
  /** User + system CPU of the CLI process, ms: what the box's load does not inflate. */
  cpuMs: number;
  entries: number;
  entriesPerSecond: number;
  outputBytes: number;
}

export interface AuditBenchResult {
  entries: number;
  fillSeconds: number;
  export: AuditCommandResult[];
  list: AuditCommandResult[];
}

export interface AuditBenchOptions {
  serverUrl: string;
  entries: number;
  log: (line: string) => void;
}

export async function runAuditBench(options: AuditBenchOptions): Promise<AuditBenchResult> {
  const { log } = options;
  const db = await createBenchDatabase(options.serverUrl);
  const dir = await mkdtemp(join(tmpdir(), 'retention-audit-bench-'));
  try {
    await migrateAudit(db.pool, {});
    log(`audit: writing a chain of ${options.entries.toLocaleString('en-US')} entries…`);
    const fillStarted = performance.now();
    await fillTrail(db.pool, options.entries);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    log(`audit: chain written in ${fillSeconds.toFixed(0)} s`);
    const config = join(dir, 'retention.yaml');
    await writeFile(
      config,
      `stores:\n  mysql: { url: "${db.url}" }\n  mongo: { url: "" }\n  redis: { url: "" }\naudit: { key: "${KEY}" }\npolicies:\n` +
        `  - { name: configuration-data, category: configuration, retain: { days: 7 }, schedule: { cron: "7 * * * *" }, targets: [ { store: mysql, table: im_app_config, time: updated_at } ] }\n`,
    );
    const cli = ['bin/retention.js', '--config', config];
    const exports: AuditCommandResult[] = [];
    for (const format of ['jsonl', 'csv'] as const) {
      const out = join(dir, `export.${format}`);
      log(`audit: export --format ${format}…`);
      const r = await runChild(process.execPath, [...cli, 'audit', 'export', '--format', format, '--out', out, '--json']);
      if (r.code !== 0) throw new Error(`audit export failed (${r.code}):\n${tail(r.stderr)}`);
      const entries = (JSON.parse(r.stdout) as { entries: number }).entries;
      exports.push({
        label: `export --format ${format}`,
        wallMs: r.wallMs,
        firstLineMs: null,
        peakRssKib: r.peakRssKib,
        cpuMs: r.cpuMs,
        entries,
        entriesPerSecond: entries / (r.wallMs / 1000),
        outputBytes: (await stat(out)).size,
      });
      await rm(out, { force: true });
    }
    const list: AuditCommandResult[] = [];
    // The newest tenth of the trail (entries are 2.5 s apart): memory is flat when the whole
    // trail costs no more than a tenth of it.
    const tenth = `${Math.ceil((options.entries / 10) * 2.5)}s`;
    const runs: Array<{ since: string; args: string[]; entries: number }> = [
      { since: '3650d', args: ['--json'], entries: options.entries },
      { since: '3650d', args: [], entries: options.entries },
      { since: tenth, args: ['--json'], entries: Math.ceil(options.entries / 10) },
      { since: '3650d', args: ['--json', '--limit', '1000'], entries: 1000 },
    ];
    for (const r of runs) {
      const label = `list --since ${r.since} ${r.args.join(' ')}`.trim();
      log(`audit: ${label}…`);
      list.push(await measureList(label, [...cli, 'audit', 'list', '--since', r.since, ...r.args], r.entries));
    }
    return { entries: options.entries, fillSeconds, export: exports, list };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}

/**
 * Writes a valid chain straight into the table, many rows per INSERT: a million single appends
 * would take most of an hour and measure the append path, which is not what this scenario is
 * about. Runs of 10,000 subject entries between a start and a finish, 2.5 s apart, ending now.
 */
export async function fillTrail(pool: import('mysql2/promise').Pool, count: number): Promise<void> {
  const tables = auditTables();
  const start = Date.now() - count * 2500;
  let prev = GENESIS_HASH;
  let rows: unknown[][] = [];
  let runNo = 0;
  for (let i = 0; i < count; i += 1) {
    const slot = i % (SUBJECTS_PER_RUN + 2);
    if (slot === 0) runNo += 1;
    const base = {
      runId: `bench-run-${runNo}`,
      policy: 'configuration-data',
      dryRun: false,
      retain: '2 months after termination',
      at: new Date(start + i * 2500),
    };
    const input: AuditEntryInput =
      slot === 0
        ? { ...base, kind: 'run-started', data: { cutoff: null } }
        : slot === SUBJECTS_PER_RUN + 1 || i === count - 1
          ? { ...base, kind: 'run-finished', data: { status: 'succeeded', deleted: slot - 1 } }
          : {
              ...base,
              kind: 'subject',
              subjectHash: subjectHash(KEY, String(1_400_000_000 + i)),
              data: {
                status: 'purged',
                deadline: new Date(start + i * 2500 - 86_400_000),
                stores: ['mysql', 'redis'],
                counts: { im_app_config: 3, 'im:cfg:*': 2 },
                marked: true,
              },
            };
    const { entry, text } = buildCanonicalEntry(input, { configHash: 'bench-config', workerVersion: 'bench' });
    const hash = chainHash(KEY, prev, text);
    rows.push([
      entry.kind,
      entry.runId,
      entry.policy,
      entry.store,
      entry.target,
      entry.subjectHash,
      columnFromDate(input.at),
      text,
      prev,
      hash,
    ]);
    prev = hash;
    if (rows.length === INSERT_ROWS || i === count - 1) {
      await pool.query(
        `INSERT INTO ${tables.audit} (\`kind\`, \`run_id\`, \`policy\`, \`store\`, \`target\`, \`subject_hash\`, \`recorded_at\`, \`entry\`, \`prev_hash\`, \`hash\`) VALUES ?`,
        [rows],
      );
      rows = [];
    }
  }
  const [last] = await pool.query<import('mysql2/promise').RowDataPacket[]>(`SELECT MAX(\`id\`) AS id FROM ${tables.audit}`);
  await pool.query(`UPDATE ${tables.head} SET \`last_id\` = ?, \`last_hash\` = ? WHERE \`id\` = 1`, [last[0]?.id, prev]);
}

/** Runs a listing to its end, reading (and dropping) its output: time to the first line, peak RSS. */
function measureList(label: string, args: string[], entries: number): Promise<AuditCommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let firstLineMs: number | null = null;
    let bytes = 0;
    let stderr = '';
    let peak = 0;
    let cpuMs = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (firstLineMs === null && d.includes(10)) firstLineMs = performance.now() - started;
      bytes += d.length;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      readPeakRssKib(child.pid).then(
        (k) => (peak = Math.max(peak, k)),
        () => undefined,
      );
      readCpuMs(child.pid).then(
        (ms) => (cpuMs = Math.max(cpuMs, ms)),
        () => undefined,
      );
    }, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const wallMs = performance.now() - started;
      if (code !== 0) reject(new Error(`${label} failed (${code}):\n${tail(stderr)}`));
      resolve({
        label,
        wallMs,
        firstLineMs,
        peakRssKib: peak,
        cpuMs,
        entries,
        entriesPerSecond: entries / (wallMs / 1000),
        outputBytes: bytes,
      });
    });
  });
}
