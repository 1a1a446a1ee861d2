/**
 * The one reading of Redis SCAN MATCH globs (`*`, `?`, `[...]` with `^` and ranges, `\` escapes,
 * and this project's `<subject>` slot), as Redis' `stringmatchlen` reads them. Two uses rest on
 * it: the configuration's guards (a pattern that could match every key, or the queue's own keys,
 * is refused before anything runs) and the Redis store's key parsing (which subject a key that
 * SCAN returned belongs to), so the guard and the purge can never disagree about a pattern.
 *
 * Redis matches bytes, so globs and keys are handled as latin1 strings (one character per byte):
 * `?` then means one byte, exactly as on the server.
 */

/** A glob token: a literal byte, one of the wildcards, a bracket class, or a `<subject>` slot. */
export type GlobToken =
  | { kind: 'literal'; char: string }
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'class'; negate: boolean; ranges: ReadonlyArray<readonly [number, number]> }
  | { kind: 'subject' };

const SUBJECT = '<subject>';

/** The glob as latin1 text (one character per UTF-8 byte), the form keys are compared in. */
export function toByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Splits a glob (given as UTF-8 text) into tokens; `<subject>` becomes a slot when `subjectSlots` is set. */
export function tokenizeGlob(glob: string, subjectSlots = false): GlobToken[] {
  const text = toByteString(glob);
  const tokens: GlobToken[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (subjectSlots && text.startsWith(SUBJECT, i)) {
      tokens.push({ kind: 'subject' });
      i += SUBJECT.length - 1;
    } else if (ch === '\\' && i + 1 < text.length) {
      tokens.push({ kind: 'literal', char: text[i + 1]! });
      i += 1;
    } else if (ch === '*') {
      tokens.push({ kind: 'star' });
    } else if (ch === '?') {
      tokens.push({ kind: 'any' });
    } else if (ch === '[') {
      const { token, end } = bracketClass(text, i + 1);
      tokens.push(token);
      i = end;
    } else {
      tokens.push({ kind: 'literal', char: ch });
    }
  }
  return tokens;
}

/**
 * A bracket class starting after `[` at `start`: `^` negates, `\x` is a literal x, `a-z` is a
 * range (reversed ranges are swapped), and an unclosed class runs to the end of the glob.
 * Returns the token and the index of its closing `]`.
 */
function bracketClass(text: string, start: number): { token: GlobToken; end: number } {
  let i = start;
  let negate = false;
  if (text[i] === '^') {
    negate = true;
    i += 1;
  }
  const ranges: Array<readonly [number, number]> = [];
  while (i < text.length && text[i] !== ']') {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      i += 1;
      const code = text.charCodeAt(i);
      ranges.push([code, code]);
    } else if (text[i + 1] === '-' && i + 2 < text.length) {
      const lo = ch.charCodeAt(0);
      const hi = text.charCodeAt(i + 2);
      ranges.push(lo <= hi ? [lo, hi] : [hi, lo]);
      i += 2;
    } else {
      ranges.push([ch.charCodeAt(0), ch.charCodeAt(0)]);
    }
    i += 1;
  }
  return { token: { kind: 'class', negate, ranges }, end: Math.min(i, text.length - 1) };
}

/** True when the glob has a wildcard (`*`, `?`, `[`) other than `<subject>`. */
export function hasWildcard(glob: string): boolean {
  return tokenizeGlob(glob, true).some((t) => t.kind === 'star' || t.kind === 'any' || t.kind === 'class');
}

/** The literal text of a glob before its first wildcard, escapes resolved (UTF-8 text in, UTF-8 text out). */
export function literalPrefix(glob: string): string {
  let prefix = '';
  for (const t of tokenizeGlob(glob)) {
    if (t.kind !== 'literal') break;
    prefix += t.char;
  }
  return Buffer.from(prefix, 'latin1').toString('utf8');
}

/** Escapes glob metacharacters so a subject id matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * An anchored regular expression source for tokens; each `<subject>` slot becomes `subject`
 * (a capture such as `(\d+)`, its back-reference, or an escaped literal id).
 */
export function tokensToRegExpSource(tokens: readonly GlobToken[], subject: (occurrence: number) => string): string {
  let source = '^';
  let occurrence = 0;
  for (const t of tokens) {
    if (t.kind === 'literal') source += escapeChar(t.char);
    else if (t.kind === 'star') source += '[\\s\\S]*';
    else if (t.kind === 'any') source += '[\\s\\S]';
    else if (t.kind === 'class') source += classSource(t);
    else {
      source += subject(occurrence);
      occurrence += 1;
    }
  }
  return `${source}$`;
}

function classSource(t: Extract<GlobToken, { kind: 'class' }>): string {
  // An empty class matches nothing (`[]`), or any byte when negated (`[^]`).
  if (t.ranges.length === 0) return t.negate ? '[\\s\\S]' : '(?!)';
  const body = t.ranges
    .map(([lo, hi]) =>
      lo === hi ? escapeChar(String.fromCharCode(lo)) : `${escapeChar(String.fromCharCode(lo))}-${escapeChar(String.fromCharCode(hi))}`,
    )
    .join('');
  return `[${t.negate ? '^' : ''}${body}]`;
}

/** The regular-expression form of a literal character (a byte 0–255). */
function escapeChar(ch: string): string {
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

function tokenAccepts(token: GlobToken, code: number): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char.charCodeAt(0) === code;
    case 'any':
    case 'star':
    case 'subject':
      return true;
    case 'class':
      return token.ranges.some(([lo, hi]) => code >= lo && code <= hi) !== token.negate;
  }
}

/**
 * Whether some key that starts with `prefix` matches the glob (an NFA over the glob's tokens
 * fed the prefix; whatever glob is left can always match some rest of the key).
 */
export function globCouldMatchPrefix(glob: string, prefix: string): boolean {
  const tokens = tokenizeGlob(glob);
  const closure = (states: Set<number>): Set<number> => {
    for (const s of states) if (tokens[s]?.kind === 'star') states.add(s + 1);
    return states;
  };
  let states = closure(new Set([0]));
  const bytes = toByteString(prefix);
  for (let i = 0; i < bytes.length; i += 1) {
    const code = bytes.charCodeAt(i);
    const next = new Set<number>();
    for (const s of states) {
      const token = tokens[s];
      if (!token || !tokenAccepts(token, code)) continue;
      next.add(token.kind === 'star' ? s : s + 1);
    }
    states = closure(next);
    if (states.size === 0) return false;
  }
  return true;
}

/**
 * Why a pattern is too broad to purge with, or null when it is acceptable: a pattern must start
 * with a literal prefix (such as `im:`) unless the target says `allowBroadMatch: true`.
 */
export function broadMatchProblem(match: string, allowBroadMatch: boolean): string | null {
  const probe = match.replaceAll(SUBJECT, '0');
  if (literalPrefix(probe) === '' && !allowBroadMatch) {
    return `"${match}" has no literal prefix before its first wildcard and could match every key; give it a prefix such as "im:" or set allowBroadMatch: true`;
  }
  return null;
}

/**
 * Why a pattern could reach the queue's own keys (`<queuePrefix>:…`), or null when it cannot.
 * Purging BullMQ's keys would lose schedules and job history, so even `allowBroadMatch` does not
 * lift this. `<subject>` counts as any text, since a subject id could be anything.
 */
export function queueKeysProblem(match: string, queuePrefix: string): string | null {
  const glob = match.replaceAll(SUBJECT, '*');
  if (!globCouldMatchPrefix(glob, `${queuePrefix}:`)) return null;
  return `"${match}" could match the queue's own keys ("${queuePrefix}:…"); give it a literal prefix that differs from "${queuePrefix}:" or change queue.prefix`;
}
