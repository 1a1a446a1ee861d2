import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { RefusalError } from '../../errors/index.js';
import { isAccessDenied, s3ErrorCode, s3StoreError } from './s3-errors.js';

/** S3 takes at most this many keys per DeleteObjects request. */
export const DELETE_OBJECTS_MAX = 1000;

/** Attempts for the keys a DeleteObjects request reports as failed (the first included). @defaultValue 3 */
const KEY_ATTEMPTS = 3;
/** Wait before retrying failed keys, doubled each attempt. @defaultValue 100 */
const KEY_RETRY_BASE_MS = 100;

export interface ObjectRef {
  key: string;
  versionId?: string | undefined;
}

export interface DeleteOutcome {
  deleted: number;
  /** Keys still failing after every attempt, by the service's error code. */
  failed: Map<string, number>;
}

/**
 * Deletes objects with DeleteObjects, 1,000 keys a request. The service answers per key: keys it
 * reports failed (`InternalError`, `SlowDown`, `AccessDenied`…) are sent again, up to KEY_ATTEMPTS
 * times in all, and those still failing are returned by code; the rest count as deleted (S3
 * reports a key already gone as deleted, so a repeat is harmless). A whole request refused (403)
 * is a RefusalError; one failing after the SDK's own retries a StoreError.
 */
export async function deleteObjects(client: S3Client, bucket: string, refs: readonly ObjectRef[]): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: 0, failed: new Map() };
  for (let i = 0; i < refs.length; i += DELETE_OBJECTS_MAX) {
    let pending = refs.slice(i, i + DELETE_OBJECTS_MAX);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const errors = await deleteRequest(client, bucket, pending);
      outcome.deleted += pending.length - errors.length;
      if (errors.length === 0) break;
      if (attempt >= KEY_ATTEMPTS || errors.every((e) => e.code === 'AccessDenied')) {
        for (const e of errors) outcome.failed.set(e.code, (outcome.failed.get(e.code) ?? 0) + 1);
        break;
      }
      const failedKeys = new Set(errors.map((e) => refKey(e.ref)));
      pending = pending.filter((r) => failedKeys.has(refKey(r)));
      await sleep(KEY_RETRY_BASE_MS * 2 ** (attempt - 1));
    }
  }
  return outcome;
}

interface KeyError {
  ref: ObjectRef;
  code: string;
}

async function deleteRequest(client: S3Client, bucket: string, refs: readonly ObjectRef[]): Promise<KeyError[]> {
  let out;
  try {
    out = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        // Quiet: the answer lists only failures, not every key deleted (1,000 keys → a few hundred bytes).
        Delete: { Quiet: true, Objects: refs.map((r) => ({ Key: r.key, ...(r.versionId ? { VersionId: r.versionId } : {}) })) },
      }),
    );
  } catch (err) {
    if (isAccessDenied(err)) {
      throw new RefusalError('access-denied', `the credentials may not delete objects in bucket ${bucket} (${s3ErrorCode(err)})`);
    }
    throw s3StoreError('DeleteObjects', bucket, err);
  }
  return (out.Errors ?? []).map((e) => ({ ref: { key: e.Key ?? '', versionId: e.VersionId }, code: e.Code ?? 'Error' }));
}

function refKey(ref: ObjectRef): string {
  return `${ref.key}\u0000${ref.versionId ?? ''}`;
}
