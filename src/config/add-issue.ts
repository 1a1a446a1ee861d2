/** Reports one problem at a path relative to the value being checked. */
export type AddIssue = (path: PropertyKey[], message: string) => void;

/** A plain object, as YAML produces for a mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
