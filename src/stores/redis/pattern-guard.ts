/** The literal text of a SCAN MATCH glob before its first wildcard (`*`, `?`, `[`), with escapes resolved. */
export function literalPrefix(glob: string): string {
  let prefix = '';
  for (let i = 0; i < glob.length; i += 1) {
    const ch = glob[i]!;
    if (ch === '\\' && i + 1 < glob.length) {
      prefix += glob[i + 1];
      i += 1;
      continue;
    }
    if (ch === '*' || ch === '?' || ch === '[') return prefix;
    prefix += ch;
  }
  return prefix;
}

/** Escapes glob metacharacters so a subject id matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Why a pattern is too broad to purge with, or null when it is acceptable: a pattern must start
 * with a literal prefix (such as `im:`) unless the target says `allowBroadMatch: true`.
 */
export function broadMatchProblem(match: string, allowBroadMatch: boolean): string | null {
  const probe = match.replaceAll('<subject>', '0');
  if (literalPrefix(probe) === '' && !allowBroadMatch) {
    return `"${match}" has no literal prefix before its first wildcard and could match every key; give it a prefix such as "im:" or set allowBroadMatch: true`;
  }
  return null;
}

type GlobToken =
  | { kind: 'literal'; ch: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negate: boolean; ranges: Array<readonly [string, string]> };

/** Splits a Redis glob into tokens: `*`, `?`, `[...]` (with `^` negation and `a-z` ranges), `\x` escapes. */
function tokenizeGlob(glob: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i += 1) {
    const ch = glob[i]!;
    if (ch === '\\' && i + 1 < glob.length) {
      tokens.push({ kind: 'literal', ch: glob[i + 1]! });
      i += 1;
    } else if (ch === '*') {
      tokens.push({ kind: 'star' });
    } else if (ch === '?') {
      tokens.push({ kind: 'any' });
    } else if (ch === '[') {
      let j = i + 1;
      const negate = glob[j] === '^';
      if (negate) j += 1;
      const ranges: Array<readonly [string, string]> = [];
      while (j < glob.length && glob[j] !== ']') {
        let lo = glob[j]!;
        if (lo === '\\' && j + 1 < glob.length) {
          j += 1;
          lo = glob[j]!;
        }
        if (glob[j + 1] === '-' && j + 2 < glob.length && glob[j + 2] !== ']') {
          const hi = glob[j + 2]!;
          ranges.push(lo <= hi ? [lo, hi] : [hi, lo]);
          j += 3;
        } else {
          ranges.push([lo, lo]);
          j += 1;
        }
      }
      // An unterminated class is read as "any character": over-matching only makes the guard stricter.
      tokens.push(j < glob.length ? { kind: 'class', negate, ranges } : { kind: 'any' });
      i = j;
    } else {
      tokens.push({ kind: 'literal', ch });
    }
  }
  return tokens;
}

function tokenAccepts(token: GlobToken, ch: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.ch === ch;
    case 'any':
    case 'star':
      return true;
    case 'class': {
      const inside = token.ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
      return inside !== token.negate;
    }
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
  for (const ch of prefix) {
    const next = new Set<number>();
    for (const s of states) {
      const token = tokens[s];
      if (!token || !tokenAccepts(token, ch)) continue;
      next.add(token.kind === 'star' ? s : s + 1);
    }
    states = closure(next);
    if (states.size === 0) return false;
  }
  return true;
}

/**
 * Why a pattern could reach the queue's own keys (`<queuePrefix>:…`), or null when it cannot.
 * Purging BullMQ's keys would lose schedules and job history, so even `allowBroadMatch` does not
 * lift this. `<subject>` counts as any text, since a subject id could be anything.
 */
export function queueKeysProblem(match: string, queuePrefix: string): string | null {
  const glob = match.replaceAll('<subject>', '*');
  if (!globCouldMatchPrefix(glob, `${queuePrefix}:`)) return null;
  return `"${match}" could match the queue's own keys ("${queuePrefix}:…"); give it a literal prefix that differs from "${queuePrefix}:" or change queue.prefix`;
}
