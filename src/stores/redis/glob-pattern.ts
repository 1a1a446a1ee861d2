/**
 * Redis SCAN MATCH globs (`*`, `?`, `[...]` with `^` and ranges, `\` escapes) turned into
 * anchored regular expressions, so that a key SCAN returned can be parsed (which subject it
 * belongs to) with the same semantics the server used to match it.
 *
 * Redis matches bytes, so both the glob and the keys are handled as latin1 strings (one
 * character per byte): `?` then means one byte, exactly as on the server.
 */

/** A glob token: a literal byte, one of the wildcards, a bracket class, or a `<subject>` slot. */
export type GlobToken =
  { kind: 'literal'; char: string } | { kind: 'star' } | { kind: 'any' } | { kind: 'class'; source: string } | { kind: 'subject' };

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
      const { source, end } = bracketClass(text, i + 1);
      tokens.push({ kind: 'class', source });
      i = end;
    } else {
      tokens.push({ kind: 'literal', char: ch });
    }
  }
  return tokens;
}

/** True when the glob has a wildcard (`*`, `?`, `[`) other than `<subject>`. */
export function hasWildcard(glob: string): boolean {
  return tokenizeGlob(glob, true).some((t) => t.kind === 'star' || t.kind === 'any' || t.kind === 'class');
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
    else if (t.kind === 'class') source += t.source;
    else {
      source += subject(occurrence);
      occurrence += 1;
    }
  }
  return `${source}$`;
}

/** The regular-expression form of a literal character (a byte 0–255). */
function escapeChar(ch: string): string {
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * A bracket class starting after `[` at `start`, as Redis' stringmatchlen reads it: `^` negates,
 * `\x` is a literal x, `a-z` is a range (reversed ranges are swapped), and an unclosed class runs
 * to the end of the glob. Returns the regex class and the index of its closing `]`.
 */
function bracketClass(text: string, start: number): { source: string; end: number } {
  let i = start;
  let negate = false;
  if (text[i] === '^') {
    negate = true;
    i += 1;
  }
  let body = '';
  while (i < text.length && text[i] !== ']') {
    let ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      i += 1;
      ch = text[i]!;
      body += escapeChar(ch);
    } else if (text[i + 1] === '-' && i + 2 < text.length) {
      let lo = ch.charCodeAt(0);
      let hi = text[i + 2]!.charCodeAt(0);
      if (lo > hi) [lo, hi] = [hi, lo];
      body += `${escapeChar(String.fromCharCode(lo))}-${escapeChar(String.fromCharCode(hi))}`;
      i += 2;
    } else {
      body += escapeChar(ch);
    }
    i += 1;
  }
  // An empty class matches nothing (`[]`), or any byte when negated (`[^]`).
  const source = body === '' ? (negate ? '[\\s\\S]' : '(?!)') : `[${negate ? '^' : ''}${body}]`;
  return { source, end: Math.min(i, text.length - 1) };
}
