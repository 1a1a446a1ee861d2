import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WorkerMetrics } from '../../src/metrics/worker-metrics.js';

const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));

function promtool(...args: string[]): Promise<{ code: number; out: string } | null> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd: DIR, timeout: 60_000 }, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolve(null);
      else resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

const hasPromtool = (await promtool('--version')) !== null;
if (!hasPromtool) {
  // CI installs it (scripts/install-test-tools.sh: Debian's prometheus package).
  console.warn('skipping the promtool tests: promtool is not installed (apt-get install prometheus)');
}

interface Rule {
  alert: string;
  expr: string;
}

describe('deploy/prometheus/alerts.yaml', () => {
  it.skipIf(!hasPromtool)('is valid (promtool check rules)', async () => {
    const r = await promtool('check', 'rules', 'alerts.yaml');
    expect(r?.out).toContain('SUCCESS');
    expect(r?.code).toBe(0);
  });

  it.skipIf(!hasPromtool)('fires as its unit tests expect, "never succeeded" included (promtool test rules)', async () => {
    const r = await promtool('test', 'rules', 'alerts.test.yaml');
    expect(r?.out).toContain('SUCCESS');
    expect(r?.code).toBe(0);
  });

  it('has a unit test for every alert, and uses only metrics the worker exports from its first scrape', async () => {
    const rules = (parse(readFileSync(`${DIR}alerts.yaml`, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
    const tested = readFileSync(`${DIR}alerts.test.yaml`, 'utf8');
    for (const rule of rules) expect(tested, rule.alert).toContain(`alertname: ${rule.alert}\n`);

    const metrics = new WorkerMetrics();
    metrics.trackPolicies([{ name: 'p', periodSeconds: 3600, targets: [{ store: 'mysql', target: 't' }] }]);
    // The report's gauges appear with the first report; everything else at once.
    const at = new Date().toISOString();
    metrics.setReport({
      generatedAt: at,
      configHash: 'x',
      status: 'ok',
      targets: [
        {
          policy: 'p',
          category: 'log',
          store: 'mysql',
          target: 't',
          status: 'ok',
          cutoff: at,
          overdueBefore: at,
          periodSeconds: 3600,
          oldest: null,
          oldestAgeSeconds: null,
          overdue: 0,
          unusableTime: 0,
          error: null,
        },
      ],
      subjects: [
        {
          policy: 's',
          category: 'configuration',
          status: 'ok',
          periodSeconds: 3600,
          due: 0,
          overdue: 0,
          oldestDeadline: null,
          unusableTime: 0,
          held: 0,
          error: null,
        },
      ],
      blocked: [],
      warnings: [],
    });
    metrics.setNextRun('p', new Date());
    const exported = await metrics.text();
    const used = new Set(rules.flatMap((r) => r.expr.match(/\b(?:retention|process)_[a-z_]+\b/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(exported, name).toMatch(new RegExp(`^${name}(\\{| )`, 'm'));
  });
});
