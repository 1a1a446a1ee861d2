import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { resolveConfigText } from '../../src/config/load-config.js';

/**
 * Each file in test/fixtures/bad-configs is a configuration one mistake away from valid. Its
 * leading comments say what the loader must report:
 *   `# expect: PATH | FRAGMENT` — an issue at exactly PATH whose message contains FRAGMENT
 *     (one line per issue; the loader must report exactly these, no follow-on noise);
 *   `# env: NAME=VALUE` — the environment the file is resolved with (otherwise empty).
 */
const CORPUS_DIR = join(import.meta.dirname, '../fixtures/bad-configs');

interface Expectation {
  path: string;
  fragment: string;
}

interface BadConfig {
  file: string;
  text: string;
  expected: Expectation[];
  env: Record<string, string>;
}

function loadCorpus(): BadConfig[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(CORPUS_DIR, file), 'utf8');
      const expected: Expectation[] = [];
      const env: Record<string, string> = {};
      for (const line of text.split('\n')) {
        const expectLine = /^# expect: (\S*) \| (.+)$/.exec(line);
        if (expectLine) expected.push({ path: expectLine[1]!, fragment: expectLine[2]! });
        const envLine = /^# env: ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (envLine) env[envLine[1]!] = envLine[2]!;
      }
      return { file, text, expected, env };
    });
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

const corpus = loadCorpus();

describe('bad configuration corpus', () => {
  it('holds at least 24 files, each with a file name NN-short-name.yaml and at least one expectation', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(24);
    for (const entry of corpus) {
      expect(entry.file).toMatch(/^\d{2}-[a-z0-9-]+\.yaml$/);
      expect(entry.expected.length, entry.file).toBeGreaterThan(0);
    }
  });

  it.each(corpus.map((c) => [c.file, c] as const))('%s is refused with the expected path and reason', (_file, entry) => {
    const error = configErrorOf(() => resolveConfigText(entry.text, entry.file, entry.env));
    const reported = error.issues.map((i) => `${i.path}: ${i.message}`);
    for (const { path, fragment } of entry.expected) {
      const match = error.issues.find((i) => i.path === path && i.message.includes(fragment));
      expect(match, `no issue at ${path} mentioning ${fragment}; got:\n${reported.join('\n')}`).toBeDefined();
      expect(error.message).toContain(path ? `${path}: ` : fragment);
    }
    expect(reported, 'only the expected problems are reported').toHaveLength(entry.expected.length);
  });
});

describe('a configuration with several mistakes', () => {
  it('reports all three problems, each at its own path, in one ConfigError', () => {
    const text = [
      'timezone: Europe/Atlantis',
      'stores:',
      '  mysql: { url: "mysql://root@127.0.0.1:3306/im" }',
      'policies:',
      '  - name: log-data',
      '    category: log',
      '    retain: { days: 7 }',
      '    schedule: { cron: "7 * * * *" }',
      '    targets:',
      '      - { store: mysql, table: "im_request_log; DROP TABLE x", time: requested_at }',
      '      - { store: redis, type: stream, match: "im:exception:*", batchSize: lots }',
    ].join('\n');
    const error = configErrorOf(() => resolveConfigText(text, 'three-errors.yaml', {}));
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ['policies[0].targets[0].table', 'policies[0].targets[1].batchSize', 'timezone'].sort(),
    );
    for (const path of ['timezone: ', 'policies[0].targets[0].table: ', 'policies[0].targets[1].batchSize: ']) {
      expect(error.message).toContain(path);
    }
    expect(error.exitCode).toBe(2);
  });

  it('reports a problem in every policy, not only the first policy that fails', () => {
    const policy = (name: string, targetLine: string) => [
      `  - name: ${name}`,
      '    category: log',
      '    retain: { days: 7 }',
      '    schedule: { cron: "7 * * * *" }',
      '    targets:',
      targetLine,
    ];
    const text = [
      'stores:',
      '  mysql: { url: "mysql://root@127.0.0.1:3306/im" }',
      'policies:',
      ...policy('first', '      - { store: mysql, table: im_request_log }'),
      ...policy('first', '      - { store: mongo, collection: "a b", time: t }'),
    ].join('\n');
    const error = configErrorOf(() => resolveConfigText(text, 'two-policies.yaml', {}));
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ['policies[0].targets[0].time', 'policies[1].name', 'policies[1].targets[0].collection'].sort(),
    );
  });

  it('refuses a file that is not YAML, naming the file', () => {
    const error = configErrorOf(() => resolveConfigText('policies: [\n  - {', 'broken.yaml', {}));
    expect(error.message).toMatch(/^broken\.yaml is not valid YAML/);
  });

  it('refuses an empty file, naming it', () => {
    expect(configErrorOf(() => resolveConfigText('# nothing yet\n', 'empty.yaml', {})).message).toBe('empty.yaml is empty');
  });

  it('refuses a YAML document that is not a mapping', () => {
    const error = configErrorOf(() => resolveConfigText('- just\n- a list\n', 'list.yaml', {}));
    expect(error.message).toContain('list.yaml must be a YAML mapping');
  });
});
