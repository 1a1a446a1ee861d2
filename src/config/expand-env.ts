import { readFileSync } from 'node:fs';
import type { ConfigIssue } from '../errors/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Expands `${VAR}`, `${VAR-default}`, `${VAR:-default}`, `${file:/path}` and `$$` in one string,
 * as a POSIX shell would. Defaults may nest (`${A:-${B-x}}`). Problems are pushed onto `issues`
 * with `path`, and the offending part expands to the empty string.
 */
export function expandString(input: string, env: Env, path: string, issues: ConfigIssue[]): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$') {
      out += ch;
      i += 1;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      i += 1;
      continue;
    }
    const end = findClosingBrace(input, i + 2);
    if (end < 0) {
      // The text is not echoed: it may hold a password.
      issues.push({ path, message: 'unterminated "${": no closing "}"' });
      return out;
    }
    out += expandReference(input.slice(i + 2, end), env, path, issues);
    i = end + 1;
  }
  return out;
}

function findClosingBrace(input: string, from: number): number {
  let depth = 1;
  for (let i = from; i < input.length; i += 1) {
    if (input[i] === '$' && input[i + 1] === '$') {
      i += 1; // `$$` is a literal `$`, never the start of a nested `${`
    } else if (input[i] === '$' && input[i + 1] === '{') {
      depth += 1;
      i += 1;
    } else if (input[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

function expandReference(body: string, env: Env, path: string, issues: ConfigIssue[]): string {
  if (body.startsWith('file:')) {
    // The file name may itself use variables: `${file:${SECRETS_DIR:-/run/secrets}/mysql_url}`.
    const before = issues.length;
    const file = expandString(body.slice(5), env, path, issues);
    if (issues.length > before) return '';
    if (file === '') {
      issues.push({ path, message: '"${file:}" needs a file name' });
      return '';
    }
    return readSecretFile(file, path, issues);
  }
  const name = NAME.exec(body)?.[0];
  if (!name) {
    issues.push({ path, message: `"\${${body}}" is not a valid variable reference` });
    return '';
  }
  const rest = body.slice(name.length);
  const value = env[name];
  if (rest === '') {
    if (value === undefined) {
      issues.push({ path, message: `environment variable ${name} is not set (write \${${name}-default} to make it optional)` });
      return '';
    }
    return value;
  }
  if (rest.startsWith(':-')) {
    return value === undefined || value === '' ? expandString(rest.slice(2), env, path, issues) : value;
  }
  if (rest.startsWith('-')) {
    return value === undefined ? expandString(rest.slice(1), env, path, issues) : value;
  }
  issues.push({ path, message: `"\${${body}}": only \${VAR}, \${VAR-default} and \${VAR:-default} are supported` });
  return '';
}

/** Reads a secret file, trimmed (files written by `echo` or editors end with a newline). */
function readSecretFile(file: string, path: string, issues: ConfigIssue[]): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    issues.push({ path, message: `cannot read secret file ${file} (${code})` });
    return '';
  }
}

/** Expands every string value (not keys) of a parsed YAML document, recording the path of each problem. */
export function expandTree(value: unknown, env: Env, issues: ConfigIssue[], path = ''): unknown {
  if (typeof value === 'string') return expandString(value, env, path, issues);
  if (Array.isArray(value)) return value.map((v, i) => expandTree(v, env, issues, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandTree(v, env, issues, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}
