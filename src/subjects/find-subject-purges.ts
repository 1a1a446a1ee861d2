import type { AuditRecord } from '../audit/audit-entry.js';
import { normalizeDecimalId, subjectHash } from '../audit/subject-hash.js';
import { ConfigError, UsageError } from '../errors/index.js';

/** What `findSubjectPurges` needs of the audit trail. */
export interface SubjectEntrySource {
  findSubject(hash: string): Promise<AuditRecord[]>;
}

/**
 * The `subject` audit entries of subject `id` (purged, skipped or failed), newest first, found by
 * its keyed hash — the trail never holds the id itself. `retention audit subject ID` answers
 * "found" when one of them is a complete purge (see `isCompletePurge`).
 *
 * Throws UsageError for an id that is not a decimal integer, ConfigError when no audit key is
 * configured (without it no subject hash exists to look for); the trail's StoreError otherwise.
 */
export async function findSubjectPurges(audit: SubjectEntrySource, key: string, id: string): Promise<AuditRecord[]> {
  if (key === '')
    throw new ConfigError('audit.key is not set: subjects are recorded only as HMAC-SHA-256(audit key, id), so none can be looked up');
  let decimal: string;
  try {
    decimal = normalizeDecimalId(id);
  } catch {
    throw new UsageError('the subject ID must be written in decimal digits');
  }
  return audit.findSubject(subjectHash(key, decimal));
}

/**
 * Whether an entry proves the subject's configuration data was purged from every enabled store
 * and the account marked (a `--store` filtered run purges some stores only: `marked` false).
 */
export function isCompletePurge(entry: AuditRecord): boolean {
  return entry.kind === 'subject' && !entry.dryRun && entry.data.status === 'purged' && entry.data.marked === true;
}
