import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandString } from '../../src/config/expand-env.js';
import { resolveConfigText } from '../../src/config/load-config.js';
import { ConfigError, type ConfigIssue } from '../../src/errors/index.js';

const SECRET = 'root:$6$Zq8PXs9l$hashedpasswordmaterial:19000:0:99999:7:::';

function configWith(store: string, extra = ''): string {
  return `
stores: { mysql: { url: "mysql://u@h/db" } }
audit: { key: "k"${extra} }
policies:
  - name: p
    category: c
    retain: { days: 1 }
    schedule: { cron: "0 * * * *" }
    targets:
      - { store: "${store}", table: t, time: ts }
`;
}

function configErrorOf(text: string, env: Record<string, string>): ConfigError {
  try {
    resolveConfigText(text, 'test.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('values from the environment and from files', () => {
  let dir: string;
  let secretFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'retention-ext-'));
    secretFile = join(dir, 'shadow');
    writeFileSync(secretFile, `${SECRET}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drop the trailing line breaks of a variable, as a file is trimmed', () => {
    const issues: ConfigIssue[] = [];
    expect(expandString('${K}', { K: 'the-key\n' }, 'x', issues)).toBe('the-key');
    expect(expandString('${K:-d}', { K: 'the-key\r\n' }, 'x', issues)).toBe('the-key');
    expect(expandString('${file:' + secretFile + '}', {}, 'x', issues)).toBe(SECRET);
    expect(issues).toEqual([]);
  });

  it('are never echoed by a validation message: a value read with ${file:/etc/shadow}', () => {
    const err = configErrorOf(configWith('${file:' + secretFile + '}'), {});
    expect(err.message).toMatch(/policies\[0\]\.targets\[0\]\.store: must be one of .* \(got <value of a secret file>\)/);
    expect(err.message).not.toContain('hashedpasswordmaterial');
    expect(JSON.stringify(err.issues)).not.toContain('hashedpasswordmaterial');
  });

  it('are never echoed by a validation message: a value from a variable, even inside a longer string', () => {
    const err = configErrorOf(configWith('my${PART}'), { PART: 'sqlpassword-material' });
    expect(err.message).toMatch(/got "my<value of environment variable PART>"/);
    expect(err.message).not.toContain('sqlpassword-material');
  });

  it('leave a value written in the file itself quoted, as before', () => {
    expect(configErrorOf(configWith('postgres'), {}).message).toMatch(/\(got "postgres"\)/);
  });
});
