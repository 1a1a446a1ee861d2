import type { AuditRecord } from './audit-entry.js';
import type { CanonicalJson } from './canonical-json.js';
import type { SignedCheckpoint } from './checkpoint.js';
import { signDocument, type SignedDocument } from './signed-document.js';
import type { SigningKey } from './signing-key.js';

/** Format of a deletion certificate; raised when its fields change meaning. */
export const CERTIFICATE_FORMAT = 1;
export const CERTIFICATE_TYPE = 'retention-deletion-certificate';

/** An audit entry a certificate rests on: enough to find it in the trail or an export and check its hash. */
export interface EntryReference {
  id: number;
  kind: string;
  at: Date;
  hash: string;
}

export function entryReference(e: AuditRecord): EntryReference {
  return { id: e.id, kind: e.kind, at: e.at, hash: e.hash };
}

/** The policy's promise in words, from the rule recorded in the trail (`retain`), not today's configuration. */
export function promiseInWords(retain: string | null, targets: readonly { store: string | null; target: string | null }[]): string {
  if (retain === null) return 'no retention rule was recorded';
  const anchored = / after termination$/.exec(retain);
  if (anchored) {
    const period = retain.slice(0, anchored.index);
    return `The configuration data of an account is deleted from every configured store within ${period} after the account's termination.`;
  }
  const where = targets.length > 0 ? ` from ${targets.map((t) => `${t.store ?? '?'} ${t.target ?? '?'}`).join(', ')}` : '';
  return `Records are deleted${where} once they are older than ${retain}.`;
}

export interface SubjectCertificateInput {
  /** As the requester gave it: the only reason the id appears in the document. */
  subjectId: string;
  purge: AuditRecord;
  runStarted: AuditRecord | null;
  checkpoint: SignedCheckpoint;
  issuedAt: Date;
}

/**
 * A signed statement that one subject's configuration data was purged: the policy and its promise,
 * the deadline, the stores and records deleted per target, the audit entries it rests on, and the
 * signed checkpoint whose head covers them.
 */
export function subjectCertificate(input: SubjectCertificateInput, key: SigningKey): SignedDocument {
  const { purge, runStarted } = input;
  const data = purge.data;
  const targets = Array.isArray(data.targets) ? (data.targets as readonly { [k: string]: CanonicalJson }[]) : [];
  const entries = [runStarted, purge].filter((e): e is AuditRecord => e !== null).map(entryReference);
  return signDocument(
    {
      type: CERTIFICATE_TYPE,
      format: CERTIFICATE_FORMAT,
      scope: 'subject',
      issuedAt: input.issuedAt,
      subject: { id: input.subjectId, hash: purge.subjectHash },
      policy: {
        name: purge.policy,
        category: runStarted?.data.category ?? null,
        retain: purge.retain,
        promise: promiseInWords(purge.retain, []),
      },
      runId: purge.runId,
      deadline: data.deadline ?? null,
      deletedAt: purge.at,
      status: data.status ?? null,
      marked: data.marked ?? null,
      stores: data.stores ?? [],
      targets: targets.map((t) => ({
        store: t.store ?? null,
        target: t.target ?? null,
        status: t.status ?? null,
        deleted: t.deleted ?? null,
      })),
      entries,
      checkpoint: input.checkpoint,
    },
    key,
  );
}

export interface RunCertificateInput {
  runId: string;
  /** Every entry of the run, in chain order. */
  entries: readonly AuditRecord[];
  checkpoint: SignedCheckpoint;
  issuedAt: Date;
}

/**
 * A signed statement of what one policy run deleted: per policy, the promise, the cutoff, the
 * status and the records deleted per target (and the subjects, for subject policies), resting on
 * every entry of the run.
 */
export function runCertificate(input: RunCertificateInput, key: SigningKey): SignedDocument {
  const policies = [...new Set(input.entries.map((e) => e.policy).filter((p): p is string => p !== null))];
  return signDocument(
    {
      type: CERTIFICATE_TYPE,
      format: CERTIFICATE_FORMAT,
      scope: 'run',
      issuedAt: input.issuedAt,
      runId: input.runId,
      policies: policies.map((name) => {
        const mine = input.entries.filter((e) => e.policy === name);
        const started = mine.find((e) => e.kind === 'run-started');
        const finished = mine.find((e) => e.kind === 'run-finished');
        const targets = mine.filter((e) => e.kind === 'target');
        const subjects = mine.filter((e) => e.kind === 'subject');
        const retain = started?.retain ?? finished?.retain ?? null;
        return {
          name,
          category: started?.data.category ?? null,
          retain,
          promise: promiseInWords(retain, subjects.length > 0 ? [] : targets),
          cutoff: started?.data.cutoff ?? null,
          startedAt: started?.at ?? null,
          finishedAt: finished?.at ?? null,
          status: finished?.data.status ?? null,
          deleted: finished?.data.deleted ?? null,
          targets: targets.map((t) => ({
            store: t.store,
            target: t.target,
            status: t.data.status ?? null,
            deleted: t.data.deleted ?? null,
          })),
          ...(finished?.data.subjects ? { subjects: finished.data.subjects } : {}),
        };
      }),
      entries: input.entries.map(entryReference),
      checkpoint: input.checkpoint,
    },
    key,
  );
}
