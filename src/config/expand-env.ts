import { readFileSync } from 'node:fs';
import type { ConfigIssue } from '../errors/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A value that came from outside the file (a variable or a secret file): never echoed in a message. */
export interface ExternalValue {
  value: string;
  /** `environment variable AUDIT_KEY`, `a secret file`. */
  from: string;
}

/**
 * Expands `${VAR}`, `${VAR-default}`, `${VAR:-default}`, `${file:/path}` and `$$` in one string,
 * as a POSIX shell would. Defaults may nest (`${A:-${B-x}}`). Problems are pushed onto `issues`
 * with `path`, and the offending part expands to the empty string.
 */
export function expandString(input: string, env: Env, path: string, issues: ConfigIssue[], external: ExternalValue[] = []): string {
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
    out += expandReference(input.slice(i + 2, end), env, path, issues, external);
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

function expandReference(body: string, env: Env, path: string, issues: ConfigIssue[], external: ExternalValue[]): string {
  if (body.startsWith('file:')) {
    // The file name may itself use variables: `${file:${SECRETS_DIR:-/run/secrets}/mysql_url}`.
    const before = issues.length;
    const file = expandString(body.slice(5), env, path, issues, external);
    if (issues.length > before) return '';
    if (file === '') {
      issues.push({ path, message: '"${file:}" needs a file name' });
      return '';
    }
    return noted(readSecretFile(file, path, issues), 'a secret file', external);
  }
  const name = NAME.exec(body)?.[0];
  if (!name) {
    issues.push({ path, message: `"\${${body}}" is not a valid variable reference` });
    return '';
  }
  const rest = body.slice(name.length);
  const raw = env[name];
  const value = raw === undefined ? undefined : noted(withoutTrailingNewlines(raw), `environment variable ${name}`, external);
  if (rest === '') {
    if (value === undefined) {
      issues.push({ path, message: `environment variable ${name} is not set (write \${${name}-default} to make it optional)` });
      return '';
    }
    return value;
  }
  if (rest.startsWith(':-')) {
    return value === undefined || value === '' ? expandString(rest.slice(2), env, path, issues, external) : value;
  }
  if (rest.startsWith('-')) {
    return value === undefined ? expandString(rest.slice(1), env, path, issues, external) : value;
  }
  issues.push({ path, message: `"\${${body}}": only \${VAR}, \${VAR-default} and \${VAR:-default} are supported` });
  return '';
}

/**
 * A variable's value without the line breaks that end it. Secrets set from a file
 * (`AUDIT_KEY="$(cat key)"` keeps none, but Kubernetes `valueFrom` and `.env` files do) would
 * otherwise carry an invisible `\n`: an audit key that is not the trail's, a password that fails.
 * The same as `${file:}`, whose content is trimmed.
 */
function withoutTrailingNewlines(value: string): string {
  return value.replace(/[\r\n]+$/, '');
}

function noted(value: string, from: string, external: ExternalValue[]): string {
  if (value !== '') external.push({ value, from });
  return value;
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

/**
 * Expands every string value (not keys) of a parsed YAML document, recording the path of each
 * problem, and in `external` every value that came from a variable or a file.
 */
export function expandTree(value: unknown, env: Env, issues: ConfigIssue[], path = '', external: ExternalValue[] = []): unknown {
  if (typeof value === 'string') return expandString(value, env, path, issues, external);
  if (Array.isArray(value)) return value.map((v, i) => expandTree(v, env, issues, `${path}[${i}]`, external));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandTree(v, env, issues, path ? `${path}.${k}` : k, external);
    return out;
  }
  return value;
}

/**
 * A message with every value that came from a variable or a file replaced by where it came from:
 * a validation message may quote the value it rejects, and that value may be a secret
 * (`${file:/etc/shadow}`). Values shorter than 4 characters are left (they hide nothing, and
 * replacing them would garble messages).
 */
export function withoutExternalValues(message: string, external: readonly ExternalValue[]): string {
  let out = message;
  for (const { value, from } of [...external].sort((a, b) => b.value.length - a.value.length)) {
    if (value.length < 4) continue;
    const shown = `<value of ${from}>`;
    out = out.split(JSON.stringify(value)).join(shown).split(value).join(shown);
  }
  return out;
}
