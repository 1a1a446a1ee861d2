import type { z } from 'zod';
import type { ConfigIssue } from '../errors/index.js';
import { configSchema, type RawConfig } from './schema.js';

export type ValidationResult = { success: true; config: RawConfig } | { success: false; issues: ConfigIssue[] };

/**
 * Validates an expanded configuration document against the schema and turns zod's issues into
 * operator-readable ones: one per problem, each at the path of the offending value.
 */
export function validateConfig(document: unknown): ValidationResult {
  // zod's finished issues no longer carry the schema, so the keys each strict object allows are
  // noted while the message is made (the issue's `keys` array is carried over as is).
  const allowedKeys: AllowedKeys = new WeakMap();
  const parsed = configSchema.safeParse(document, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') allowedKeys.set(issue.keys, knownKeysOf(issue.inst));
      return operatorMessage(issue);
    },
  });
  if (parsed.success) return { success: true, config: parsed.data };
  const issues: ConfigIssue[] = [];
  collectIssues(parsed.error.issues, [], allowedKeys, issues);
  return { success: false, issues };
}

type AllowedKeys = WeakMap<readonly string[], readonly string[]>;

/** `policies[1].targets[0].table` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/**
 * Messages where zod's defaults do not help an operator: a missing value, an unknown key (with
 * the key meant, when it looks like a typo), an unknown discriminator (with the allowed values).
 * Schema-specific messages (`error` on a schema) take precedence over this map.
 */
const operatorMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : undefined;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_union': {
      const options: unknown = 'options' in issue ? issue.options : undefined;
      if (!issue.discriminator || !Array.isArray(options) || options.length === 0) return undefined;
      const got =
        typeof issue.input === 'object' && issue.input !== null ? (issue.input as Record<string, unknown>)[issue.discriminator] : undefined;
      const shown =
        got === undefined
          ? 'it is missing'
          : typeof got === 'string'
            ? `got ${JSON.stringify(got)}`
            : `got a ${got === null ? 'null' : typeof got}`;
      return `must be one of ${joinAlternatives(options.map((o) => JSON.stringify(o)))} (${shown})`;
    }
    default:
      return undefined;
  }
};

function collectIssues(
  issues: readonly z.core.$ZodIssue[],
  base: readonly PropertyKey[],
  allowedKeys: AllowedKeys,
  out: ConfigIssue[],
): void {
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // One issue per unknown key, at the key itself, the way every other problem points at its value.
      const allowed = allowedKeys.get(issue.keys) ?? [];
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: unknownKeyMessage(key, allowed) });
      continue;
    }
    if (issue.code === 'invalid_union') {
      const branch = closestBranch(issue.errors);
      if (branch) {
        collectIssues(branch, path, allowedKeys, out);
        continue;
      }
    }
    out.push({ path: formatPath(path), message: issue.message });
  }
}

/**
 * For a plain union that matched no option: the option with strictly the fewest problems is
 * almost certainly the one meant, so its problems are more useful than "matches none of them".
 */
function closestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const sizes = branches.map((b) => b.length).filter((n) => n > 0);
  if (sizes.length < 2) return undefined;
  const fewest = Math.min(...sizes);
  const candidates = branches.filter((b) => b.length === fewest);
  return candidates.length === 1 ? candidates[0] : undefined;
}

function knownKeysOf(inst: z.core.$ZodType | z.core.$ZodCheck | undefined): string[] {
  const shape = (inst?._zod.def as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const meant = closestKey(key, allowed);
  if (meant) return `unknown key ${JSON.stringify(key)} (did you mean "${meant}"?)`;
  return `unknown key ${JSON.stringify(key)}${allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : ''}`;
}

/** The known key a typo most likely meant: same letters in another case, or at most two edits away. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance <= Math.min(2, Math.floor(candidate.length / 2)) && (!best || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

/** Levenshtein distance, with a transposition counted as one edit (`tabel` → `table`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

function joinAlternatives(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
