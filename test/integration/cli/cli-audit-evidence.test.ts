import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { runCli } from '../../support/cli.js';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
import type { AuditEntryInput } from '../../../src/audit/audit-entry.js';
import { subjectHash } from '../../../src/audit/subject-hash.js';
import { Checkpointer } from '../../../src/audit/checkpointer.js';
import { fileSink } from '../../../src/audit/checkpoint-sinks/file-sink.js';
import { generateSigningKey, loadSigningKey } from '../../../src/audit/signing-key.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { systemClock } from '../../../src/clock.js';

const KEY = 'cli-evidence-key';
const MIN = 60_000;
const SUBJECTS = 1261;

function configYaml(mysqlUrl: string): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "" }
audit: { key: "${KEY}" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
`;
}

/** Runs a shell pipeline; `pipefail` makes its exit code the CLI's when the CLI fails. */
function shell(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('audit list, export and verify --file (CLI, real MariaDB)', () => {
  let db: TestDatabase;
  let dir: string;
  let configFile: string;
  let trail: AuditTrail;
  const now = Date.now();
  const startedAt = new Date(now - 2 * 60 * MIN);
  const base = { runId: 'run-big', policy: 'configuration-data', dryRun: false, retain: '2 months after termination' } as const;

  beforeAll(async () => {
    db = await createTestDatabase('cli_audit_evidence');
    dir = mkdtempSync(join(tmpdir(), 'retention-evidence-'));
    configFile = join(dir, 'retention.yaml');
    writeFileSync(configFile, configYaml(db.url));
    trail = new AuditTrail(db.pool, { key: KEY, configHash: 'cfg', workerVersion: '9.9.9' });
    await trail.migrate();
    // A subject run that started two hours ago and purged 1,261 subjects in the last hour.
    await trail.append({ ...base, kind: 'run-started', at: startedAt, data: { cutoff: null } });
    const subject = (i: number): AuditEntryInput => ({
      ...base,
      kind: 'subject',
      at: new Date(now - 50 * MIN + i),
      subjectHash: subjectHash(KEY, String(1000 + i)),
      data: { status: 'purged', deadline: new Date(now - 90 * 86_400_000), stores: ['mysql'], counts: { im_app_config: 3 } },
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < SUBJECTS) {
          const i = next;
          next += 1;
          await trail.append(subject(i));
        }
      }),
    );
    // A target whose name needs RFC 4180 quoting in CSV: a comma, a quote and a line break.
    await trail.append({
      ...base,
      policy: 'log-data',
      runId: 'run-small',
      kind: 'target',
      store: 'redis',
      target: 'im:mon:*,"odd"\nname',
      at: new Date(now - 10 * MIN),
      data: { status: 'succeeded', deleted: 5, error: null },
    });
    await trail.append({ ...base, kind: 'run-finished', at: new Date(now - 5 * MIN), data: { status: 'succeeded', deleted: SUBJECTS } });
  }, 180_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  const cli = (...args: string[]) => runCli(['--config', configFile, ...args]);

  it('lists every entry of a run with more than 1,000 of them, counted in SQL, with the run start outside the range', async () => {
    const json = await cli('audit', 'list', '--since', '1h', '--json');
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ total: SUBJECTS + 2, shown: SUBJECTS + 2, omitted: 0, truncated: false, limit: null });
    expect(doc.entries).toHaveLength(SUBJECTS + 2);
    const big = doc.runs.find((r: { runId: string }) => r.runId === 'run-big');
    expect(big).toMatchObject({ subjects: SUBJECTS, status: 'succeeded', startedAt: startedAt.toISOString(), complete: false });

    const text = await cli('audit', 'list', '--since', '1h');
    expect(text.stdout).toMatch(/^audit entries from .*, newest first\n/);
    expect(text.stdout).toMatch(new RegExp(`\n${SUBJECTS + 2} entries in the range, all shown\n$`));
    expect(text.stdout).toContain(`${startedAt.toISOString()}  configuration-data  succeeded  run run-big`);
    expect(text.stdout).toContain(`    ${SUBJECTS} subject entries\n`);
  });

  it('--limit cuts explicitly and says how many entries it left out, in text and JSON', async () => {
    const json = JSON.parse((await cli('audit', 'list', '--since', '1h', '--limit', '10', '--json')).stdout);
    expect(json).toMatchObject({ total: SUBJECTS + 2, shown: 10, omitted: SUBJECTS - 8, truncated: true, limit: 10 });
    expect(json.entries).toHaveLength(10);
    const text = await cli('audit', 'list', '--since', '1h', '--limit', '10');
    expect(text.stdout).toMatch(/^audit entries from .*, newest first \(at most 10: --limit\)\n/);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(
      `${SUBJECTS + 2} entries in the range; --limit 10: the newest 10 shown, ${SUBJECTS - 8} left out (raise --limit, or \`retention audit export\` for all)`,
    );
  });

  it('--since and --until take ISO instants, dates and durations; a bad one exits 2', async () => {
    const until = new Date(now - 20 * MIN).toISOString();
    const doc = JSON.parse(
      (await cli('audit', 'list', '--since', new Date(now - 3 * 60 * MIN).toISOString(), '--until', until, '--json')).stdout,
    );
    expect(doc.total).toBe(SUBJECTS + 1);
    expect(doc.entries.every((e: { at: string }) => e.at < until)).toBe(true);
    const day = new Date(now + 86_400_000).toISOString().slice(0, 10);
    expect(JSON.parse((await cli('audit', 'list', '--since', 'P1D', '--until', day, '--json')).stdout).total).toBe(SUBJECTS + 3);
    const bad = await cli('audit', 'list', '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since yesterday: expected an ISO-8601 time/);
  });

  it('a reader that closes the pipe early ends the CLI quietly with exit 0', async () => {
    const r = await shell(`${process.execPath} bin/retention.js --config ${configFile} audit list --since 1d --json | head -1`);
    expect(r.stdout).toBe('{\n');
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(r.code).toBe(0);
  });

  it('exports JSON Lines and RFC 4180 CSV that verify offline, and whose fields match the chain', async () => {
    const jsonl = join(dir, 'all.jsonl');
    const csv = join(dir, 'all.csv');
    const out = await cli('audit', 'export', '--since', '1d', '--out', jsonl, '--json');
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary).toMatchObject({ entries: SUBJECTS + 3, startHash: '0'.repeat(64), headHash: (await trail.head())?.hash });
    const lines = readFileSync(jsonl, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(SUBJECTS + 3);
    expect(Object.keys(lines[0])).toEqual([
      'id',
      'at',
      'kind',
      'runId',
      'policy',
      'store',
      'target',
      'subjectHash',
      'dryRun',
      'retain',
      'configHash',
      'workerVersion',
      'data',
      'prevHash',
      'hash',
      'entry',
    ]);
    expect(lines[0]).toMatchObject({ kind: 'run-started', runId: 'run-big', at: startedAt.toISOString(), prevHash: '0'.repeat(64) });
    expect(lines[1].prevHash).toBe(lines[0].hash);

    expect((await cli('audit', 'export', '--since', '1d', '--format', 'csv', '--out', csv)).code).toBe(0);
    const rows = parse(readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(SUBJECTS + 3);
    expect(rows.find((r) => r.kind === 'target')).toMatchObject({ target: 'im:mon:*,"odd"\nname', store: 'redis', policy: 'log-data' });
    expect(rows[0]).toMatchObject({ policy: 'configuration-data', store: '', dryRun: 'false', hash: lines[0].hash });

    for (const file of [jsonl, csv]) {
      const verify = await cli('audit', 'verify', '--file', file);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toContain(`export chain intact: ${SUBJECTS + 3} entries`);
    }
    // To stdout, the same bytes as the file.
    const stdout = await cli('audit', 'export', '--since', '1d');
    expect(stdout.stdout).toBe(readFileSync(jsonl, 'utf8'));
  });

  it('verify --file exits 1 naming the entry of a modified, removed or reordered export, and 2 naming the line of a malformed one', async () => {
    const jsonl = join(dir, 'tamper.jsonl');
    await cli('audit', 'export', '--out', jsonl);
    const original = readFileSync(jsonl, 'utf8').trimEnd().split('\n');
    const ids = original.map((l) => JSON.parse(l).id as number);
    const check = async (lines: string[]) => {
      writeFileSync(jsonl, `${lines.join('\n')}\n`);
      const r = await cli('audit', 'verify', '--file', jsonl, '--json');
      return { code: r.code, doc: r.stdout ? JSON.parse(r.stdout) : null, stderr: r.stderr };
    };

    // A readable copy changed (the hashed text left alone).
    const copy = [...original];
    copy[5] = copy[5]!.replace('"counts":{"im_app_config":"3"}', '"counts":{"im_app_config":"4"}');
    expect(copy[5]).not.toBe(original[5]);
    expect(await check(copy)).toMatchObject({
      code: 1,
      doc: {
        ok: false,
        entries: 5,
        firstBad: { id: ids[5], line: 6, reason: 'hash mismatch', detail: 'field data differs from the hashed entry' },
      },
    });

    // The hashed text changed.
    const text = [...original];
    text[7] = text[7]!.replace('\\"im_app_config\\":\\"3\\"', '\\"im_app_config\\":\\"0\\"');
    expect(text[7]).not.toBe(original[7]);
    expect((await check(text)).doc.firstBad).toMatchObject({ id: ids[7], reason: 'hash mismatch' });

    // An entry removed, or two swapped.
    expect((await check(original.filter((_, i) => i !== 9))).doc.firstBad).toMatchObject({
      id: ids[10],
      line: 10,
      reason: 'missing predecessor',
    });
    const swapped = [...original];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect((await check(swapped)).doc.firstBad).toMatchObject({ id: ids[4], reason: 'missing predecessor' });

    // Malformed: not JSON, or a field missing.
    const broken = [...original];
    broken[12] = broken[12]!.slice(0, 40);
    const bad = await check(broken);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${jsonl} line 13: not valid JSON`);
    const missing = [...original];
    missing[2] = JSON.stringify({ ...JSON.parse(missing[2]!), hash: undefined });
    expect((await check(missing)).stderr).toContain(`${jsonl} line 3: field hash is missing`);

    // A malformed CSV.
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'id,at\n1,"unclosed\n');
    const badCsv = await cli('audit', 'verify', '--file', csv);
    expect(badCsv.code).toBe(2);
    expect(badCsv.stderr).toMatch(/bad\.csv line \d+:/);
  });

  it('--from-hash chains one export to the next; --policy checks a one-policy export entry by entry', async () => {
    const first = join(dir, 'first.jsonl');
    const second = join(dir, 'second.jsonl');
    const cut = new Date(now - 30 * MIN).toISOString();
    const a = JSON.parse((await cli('audit', 'export', '--until', cut, '--out', first, '--json')).stdout);
    const b = JSON.parse((await cli('audit', 'export', '--since', cut, '--out', second, '--json')).stdout);
    expect(a.entries + b.entries).toBe(SUBJECTS + 3);
    expect(b.startHash).toBe(a.headHash);
    expect((await cli('audit', 'verify', '--file', second, '--from-hash', a.headHash)).code).toBe(0);
    const wrong = await cli('audit', 'verify', '--file', second, '--from-hash', b.headHash, '--json');
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).firstBad).toMatchObject({ id: b.firstId, reason: 'missing predecessor' });

    const policy = join(dir, 'policy.jsonl');
    await cli('audit', 'export', '--policy', 'configuration-data', '--out', policy);
    expect(readFileSync(policy, 'utf8').trimEnd().split('\n')).toHaveLength(SUBJECTS + 2);
    // The log-data entry between the last subject and the run's finish is not in it: no chain.
    const asChain = await cli('audit', 'verify', '--file', policy, '--json');
    expect(asChain.code).toBe(1);
    expect(JSON.parse(asChain.stdout).firstBad).toMatchObject({ line: SUBJECTS + 2, reason: 'missing predecessor' });
    expect((await cli('audit', 'verify', '--file', policy, '--policy', 'configuration-data')).code).toBe(0);
    const other = await cli('audit', 'verify', '--file', first, '--policy', 'log-data', '--json');
    expect(JSON.parse(other.stdout).firstBad).toMatchObject({ reason: 'wrong policy' });
  });

  it('verify --file needs no database: it works with MySQL unreachable', async () => {
    const file = join(dir, 'offline.jsonl');
    await cli('audit', 'export', '--out', file);
    const offline = join(dir, 'offline.yaml');
    writeFileSync(offline, configYaml('mysql://root@127.0.0.1:1/none'));
    const r = await runCli(['--config', offline, 'audit', 'verify', '--file', file]);
    expect(r.code).toBe(0);
    const wrongKey = join(dir, 'wrong-key.yaml');
    writeFileSync(wrongKey, configYaml(db.url).replace(KEY, 'not-the-key'));
    const w = await runCli(['--config', wrongKey, 'audit', 'verify', '--file', file]);
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(/hash mismatch \(the entry does not hash to its hash/);
  });

  it('verify --file --checkpoint proves an export against the signed heads inside it, offline', async () => {
    const pair = generateSigningKey();
    const sinkFile = join(dir, 'checkpoints.jsonl');
    const pub = join(dir, 'signing.pub.pem');
    writeFileSync(pub, pair.publicPem);
    const signer = new Checkpointer(db.pool, trail.tables, {
      key: loadSigningKey(pair.privatePem),
      sinks: [fileSink('worm', sinkFile)],
      logger: silentLogger(),
      clock: systemClock,
    });
    await signer.checkpoint();
    const file = join(dir, 'signed.jsonl');
    await cli('audit', 'export', '--out', file);
    const head = (await trail.head())!;

    const proven = await cli('audit', 'verify', '--file', file, '--checkpoint', sinkFile, '--public-key', pub);
    expect(proven.code, proven.stdout + proven.stderr).toBe(0);
    expect(proven.stdout).toContain(`head entry ${head.id}`);

    // The newest entry cut from the export: the signed head is no longer in it.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, `${lines.slice(0, -1).join('\n')}\n`);
    const cut = await cli('audit', 'verify', '--file', file, '--checkpoint', sinkFile, '--public-key', pub);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/no signed head .* lies inside it|NOT proven/);

    // Another key: the signature check fails.
    writeFileSync(file, `${lines.join('\n')}\n`);
    writeFileSync(pub, generateSigningKey().publicPem);
    const wrong = await cli('audit', 'verify', '--file', file, '--checkpoint', sinkFile, '--public-key', pub);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/NOT proven by the checkpoint on line 1 of .*: key id check failed/);
  });
});
