/**
 * Sizes of the audit table's text columns, in characters: the one source of truth for the table's
 * DDL (migrate-audit.ts), the entry checks before an append (audit-entry.ts), and `config check`
 * (auditable-config.ts), so a configuration whose names cannot be recorded is refused before
 * anything is deleted rather than failing at the first append after a purge.
 */
export const AUDIT_COLUMN_CHARS = {
  kind: 32,
  run_id: 64,
  policy: 64,
  store: 16,
  /** A MySQL table, a MongoDB collection, or a Redis `match` pattern. */
  target: 1024,
} as const;

/**
 * Length of a value as the check counts it: UTF-16 code units, which is never less than the
 * characters utf8mb4 counts (a character beyond U+FFFF is two units, one character), so a value
 * that passes always fits.
 */
export function columnLength(value: string): number {
  return value.length;
}
