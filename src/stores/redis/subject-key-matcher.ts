import { escapeGlob, hasWildcard, literalPrefix, tokenizeGlob, tokensToRegExpSource, type GlobToken } from '../../config/redis-glob.js';

/** Subject ids are exact decimal strings (BIGINT UNSIGNED app ids, often above 2^53). */
const SUBJECT_ID = /^\d+$/;

/**
 * How the keys of subjects are found for one `match` pattern containing `<subject>`:
 * - `exact`: the pattern has no other wildcard, so each subject has exactly one key name;
 * - `scan`: one SCAN pass with `<subject>` replaced by `*`, each key then attributed to a subject.
 */
export type SubjectKeyMatcher =
  | { mode: 'exact'; keyOf(subjectId: string): Buffer }
  | { mode: 'scan'; scanPattern: string; subjectOf(key: Buffer, wanted: ReadonlySet<string>): string | null };

export function assertSubjectIds(subjectIds: readonly string[]): void {
  for (const id of subjectIds) {
    if (!SUBJECT_ID.test(id)) throw new TypeError(`a subject id must be a decimal string, got ${JSON.stringify(id)}`);
  }
}

export function createSubjectKeyMatcher(match: string): SubjectKeyMatcher {
  if (!hasWildcard(match)) {
    return {
      mode: 'exact',
      // With no wildcard the escaped glob is a literal: its "prefix" is the whole key name.
      keyOf: (id) => Buffer.from(literalPrefix(match.replaceAll('<subject>', escapeGlob(id))), 'utf8'),
    };
  }
  const tokens = tokenizeGlob(match, true);
  const scanPattern = match.replaceAll('<subject>', '*');
  if (captureIsExact(tokens)) {
    const parse = new RegExp(tokensToRegExpSource(tokens, (n) => (n === 0 ? '(\\d+)' : '\\1')));
    return {
      mode: 'scan',
      scanPattern,
      subjectOf(key, wanted) {
        const id = parse.exec(key.toString('latin1'))?.[1];
        return id !== undefined && wanted.has(id) ? id : null;
      },
    };
  }
  // The id's position is ambiguous (a `*` before it, or a wildcard or digit right after it): a key
  // may match several ids' globs. Test each wanted id's own glob, as the server would, in order.
  let cached: { wanted: ReadonlySet<string>; tests: Array<[string, RegExp]> } | null = null;
  return {
    mode: 'scan',
    scanPattern,
    subjectOf(key, wanted) {
      if (cached?.wanted !== wanted) {
        cached = { wanted, tests: [...wanted].map((id) => [id, new RegExp(tokensToRegExpSource(tokens, () => id))]) };
      }
      const name = key.toString('latin1');
      for (const [id, test] of cached.tests) if (test.test(name)) return id;
      return null;
    },
  };
}

/**
 * Whether capturing the id as the maximal run of digits is exactly what the glob means: only
 * fixed-width tokens before the first `<subject>` (so the id starts at a known byte), and every
 * `<subject>` followed by the end or a literal non-digit (so the id ends at the first non-digit).
 */
function captureIsExact(tokens: readonly GlobToken[]): boolean {
  const first = tokens.findIndex((t) => t.kind === 'subject');
  if (tokens.slice(0, first).some((t) => t.kind === 'star')) return false;
  return tokens.every((t, i) => {
    if (t.kind !== 'subject') return true;
    const next = tokens[i + 1];
    return next === undefined || (next.kind === 'literal' && !/\d/.test(next.char));
  });
}
