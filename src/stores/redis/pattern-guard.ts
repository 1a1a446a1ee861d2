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
