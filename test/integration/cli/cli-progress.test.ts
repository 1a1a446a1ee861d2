import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli as throughPipe, runOnTerminal as onTerminal } from '../../support/cli.js';
import { createCliFixture, logPolicyConfig, type CliFixture } from '../../support/cli-fixture.js';
import { insertOldRequestLogs } from '../../support/queue/queue-fixture.js';

const DUE = 30_000;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

describe('retention run shows its progress', () => {
  let fx: CliFixture;
  let configFile: string;

  beforeAll(async () => {
    fx = await createCliFixture('cli_progress');
    configFile = fx.writeConfig(logPolicyConfig(fx.db.url, { targetExtra: ', batchSize: 500, pauseMs: 25' }));
  });
  afterAll(async () => {
    await fx?.drop();
  });

  const seedDue = () => insertOldRequestLogs(fx.db.pool, DUE, 30);

  it('on a terminal: a live line per target that moves to the due count, readable logs, and a summary with the audit head', async () => {
    await seedDue();
    const r = await onTerminal(['--config', configFile, 'run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(ANSI);
    const plain = r.stdout.replace(ANSI, '');
    const counts = [...plain.matchAll(/deleted ([\d,]+) of 30,000/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
    expect(new Set(counts).size).toBeGreaterThanOrEqual(2);
    expect(Math.max(...counts)).toBe(DUE);
    expect(plain).toContain('log-data mysql:im_request_log');
    expect(plain).toMatch(/ETA \d+:\d\d/);
    // pino-pretty: level names instead of numbers, no JSON objects
    expect(plain).toMatch(/INFO.*policy run finished/);
    expect(plain).not.toMatch(/"level":\d+/);
    // the summary: count, time and rate per target, and the head to keep
    expect(plain).toMatch(/im_request_log\s+succeeded\s+deleted 30000 {2}in \d+:\d\d \([\d.]+k?\/s\)/);
    expect(plain).toMatch(/audit head: entry \d+, hash [0-9a-f]{64}/);
  });

  it('on a terminal with --quiet: no live line', async () => {
    await seedDue();
    const r = await onTerminal(['--config', configFile, 'run', '--quiet']);
    expect(r.code).toBe(0);
    const plain = r.stdout.replace(ANSI, '');
    expect(plain).not.toMatch(/deleted [\d,]+ of 30,000/);
    expect(plain).not.toContain('counting due records');
    expect(plain).toMatch(/deleted 30000/);
  });

  it('through a pipe: JSON log lines only, no escape codes, and --progress entries that move', async () => {
    await seedDue();
    const r = await throughPipe(['--config', configFile, 'run', '--progress', '0.2']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
    const lines = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = lines.filter((l) => l.msg === 'target progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const p of progress)
      expect(p).toMatchObject({ level: 30, policy: 'log-data', store: 'mysql', target: 'im_request_log', phase: 'purging', due: DUE });
    expect(progress.every((p) => typeof p.etaSeconds === 'number')).toBe(true);
    expect(typeof progress[0]!.runId).toBe('string');
    const deleted = progress.map((p) => p.deleted as number);
    expect([...deleted].sort((a, b) => a - b)).toEqual(deleted);
    expect(deleted[deleted.length - 1]!).toBeGreaterThan(deleted[0]!);
    expect(progress.every((p) => typeof p.ratePerSecond === 'number' && (p.ratePerSecond as number) > 0)).toBe(true);
    expect(r.stdout).toMatch(/audit head: entry \d+/);
  });

  it('refuses a --progress that is not a positive number, before connecting', async () => {
    const r = await throughPipe(['--config', configFile, 'run', '--progress', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--progress soon');
  });
});
