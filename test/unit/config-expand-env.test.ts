import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ConfigIssue } from '../../src/errors/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { expandString, expandTree, type Env } from '../../src/config/expand-env.js';
import { resolveConfigText } from '../../src/config/load-config.js';

/** Expands one value at path `x`, returning the text and the problems found. */
function expand(input: string, env: Env = {}): { value: string; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const value = expandString(input, env, 'x', issues);
  return { value, issues };
}

function expandClean(input: string, env: Env = {}): string {
  const { value, issues } = expand(input, env);
  expect(issues).toEqual([]);
  return value;
}

describe('${VAR}', () => {
  it('is replaced by the value of a set variable, inside surrounding text', () => {
    expect(expandClean('mysql://${U}:${P}@db:3306/im', { U: 'app', P: 's3cret' })).toBe('mysql://app:s3cret@db:3306/im');
  });

  it('is replaced by the empty string when the variable is set but empty', () => {
    expect(expandClean('[${V}]', { V: '' })).toBe('[]');
  });

  it('is an error naming the variable when the variable is not set', () => {
    const { issues } = expand('${NOPE}');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('x');
    expect(issues[0]!.message).toContain('NOPE is not set');
  });

  it('reports an unset variable with the path of the value that uses it', () => {
    const issues: ConfigIssue[] = [];
    expandTree({ policies: [{ targets: [{}, { table: '${TABLE}' }] }] }, {}, issues);
    expect(issues).toEqual([{ path: 'policies[0].targets[1].table', message: expect.stringContaining('TABLE is not set') }]);
  });

  it('makes resolveConfigText throw a ConfigError naming the variable and the path', () => {
    const text = 'stores: { mysql: { url: "${MYSQL_URL}" } }\npolicies: []\n';
    expect(() => resolveConfigText(text, 'unset.yaml', {})).toThrow(ConfigError);
    expect(() => resolveConfigText(text, 'unset.yaml', {})).toThrow(/stores\.mysql\.url: environment variable MYSQL_URL is not set/);
  });

  it('does not expand variables written without braces ($VAR stays literal)', () => {
    expect(expandClean('pa$word and $HOME', { word: 'X', HOME: '/root' })).toBe('pa$word and $HOME');
  });
});

describe('${VAR-default}', () => {
  it('uses the default only when the variable is unset', () => {
    expect(expandClean('${V-fallback}')).toBe('fallback');
    expect(expandClean('${V-fallback}', { V: '' })).toBe('');
    expect(expandClean('${V-fallback}', { V: 'set' })).toBe('set');
  });

  it('accepts an empty default', () => {
    expect(expandClean('${AUDIT_KEY-}')).toBe('');
  });

  it('keeps a default that contains ":" and "/" (a URL)', () => {
    expect(expandClean('${MYSQL_URL-mysql://root@127.0.0.1:3306/im}')).toBe('mysql://root@127.0.0.1:3306/im');
  });
});

describe('${VAR:-default}', () => {
  it('uses the default when the variable is unset or empty', () => {
    expect(expandClean('${V:-fallback}')).toBe('fallback');
    expect(expandClean('${V:-fallback}', { V: '' })).toBe('fallback');
    expect(expandClean('${V:-fallback}', { V: 'set' })).toBe('set');
  });
});

describe('nested defaults', () => {
  const nested = '${A:-${B-x}}';

  it('takes A when A is set and not empty', () => {
    expect(expandClean(nested, { A: 'a', B: 'b' })).toBe('a');
  });

  it('falls through to B when A is empty, and B may be empty', () => {
    expect(expandClean(nested, { A: '', B: 'b' })).toBe('b');
    expect(expandClean(nested, { A: '', B: '' })).toBe('');
  });

  it('falls through to the innermost default when A and B are unset', () => {
    expect(expandClean(nested)).toBe('x');
  });

  it('expands the queue URL rule of the default config: QUEUE_REDIS_URL, else a non-empty REDIS_URL, else the default', () => {
    const rule = '${QUEUE_REDIS_URL:-${REDIS_URL:-redis://127.0.0.1:6379/0}}';
    expect(expandClean(rule, { QUEUE_REDIS_URL: 'redis://q:6379/1', REDIS_URL: 'redis://r:6379/0' })).toBe('redis://q:6379/1');
    expect(expandClean(rule, { REDIS_URL: 'redis://r:6379/0' })).toBe('redis://r:6379/0');
    expect(expandClean(rule, { QUEUE_REDIS_URL: '', REDIS_URL: '' })).toBe('redis://127.0.0.1:6379/0');
  });

  it('does not evaluate a default that is not needed (an unset variable inside it is no error)', () => {
    expect(expandClean('${A:-${NOPE}}', { A: 'a' })).toBe('a');
  });

  it('reports an unset variable inside a default that is needed', () => {
    const { issues } = expand('${A:-${NOPE}}');
    expect(issues.map((i) => i.message)).toEqual([expect.stringContaining('NOPE is not set')]);
  });
});

describe('$ on its own and $$', () => {
  it('turns $$ into a literal $', () => {
    expect(expandClean('a$$b')).toBe('a$b');
    expect(expandClean('$$$$')).toBe('$$');
  });

  it('keeps ${ after $$ literal instead of expanding it', () => {
    expect(expandClean('$${V}', { V: 'no' })).toBe('${V}');
  });

  it('keeps a $ that starts no reference', () => {
    expect(expandClean('$')).toBe('$');
    expect(expandClean('costs 5$')).toBe('costs 5$');
    expect(expandClean('$ 5')).toBe('$ 5');
  });

  it('allows $$ inside a default', () => {
    expect(expandClean('${PW-pa$$word}')).toBe('pa$word');
  });
});

describe('${file:/path}', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'retention-secrets-'));
    writeFileSync(join(dir, 'mysql_url'), '  mysql://app:s3cret@db:3306/im\n\n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file and trims surrounding whitespace and the trailing newline', () => {
    expect(expandClean(`\${file:${join(dir, 'mysql_url')}}`)).toBe('mysql://app:s3cret@db:3306/im');
  });

  it('accepts variables in the file name', () => {
    expect(expandClean('${file:${SECRETS_DIR}/mysql_url}', { SECRETS_DIR: dir })).toBe('mysql://app:s3cret@db:3306/im');
  });

  it('reports a missing file, naming it', () => {
    const missing = join(dir, 'no_such_secret');
    const { value, issues } = expand(`\${file:${missing}}`);
    expect(value).toBe('');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain(missing);
    expect(issues[0]!.message).toContain('ENOENT');
  });

  it('reports an empty file name', () => {
    expect(expand('${file:}').issues[0]!.message).toContain('needs a file name');
  });
});

describe('malformed references', () => {
  it('reports an unterminated ${ without echoing the value (it may hold a password)', () => {
    const { issues } = expand('mysql://app:hunter2@db/${DB');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('x');
    expect(issues[0]!.message).toContain('unterminated');
    expect(issues[0]!.message).not.toContain('hunter2');
  });

  it('reports an unterminated nested reference', () => {
    expect(expand('${A:-${B}').issues[0]!.message).toContain('unterminated');
  });

  it('reports a reference that names no variable', () => {
    expect(expand('${}').issues[0]!.message).toContain('not a valid variable reference');
    expect(expand('${1A}').issues[0]!.message).toContain('not a valid variable reference');
  });

  it('reports an operator it does not support instead of guessing', () => {
    expect(expand('${A:?missing}', { A: 'a' }).issues[0]!.message).toContain('only ${VAR}, ${VAR-default} and ${VAR:-default}');
  });
});

describe('expandTree', () => {
  it('expands string values at every depth and leaves keys, numbers, booleans and null alone', () => {
    const issues: ConfigIssue[] = [];
    const out = expandTree({ '${K}': 'v', a: [1, true, null, '${V}'], b: { c: '${V:-d}' } }, { K: 'key', V: 'val' }, issues);
    expect(issues).toEqual([]);
    expect(out).toEqual({ '${K}': 'v', a: [1, true, null, 'val'], b: { c: 'val' } });
  });
});
