import { StoreError } from '../../errors/index.js';

/** The S3 error code of an SDK error (`NoSuchBucket`, `AccessDenied`…), or the HTTP status as text. */
export function s3ErrorCode(err: unknown): string {
  if (!err || typeof err !== 'object') return 'Error';
  const e = err as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.name !== 'Error' && e.name !== 'S3ServiceException') return e.name;
  return e.$metadata?.httpStatusCode ? `HTTP ${e.$metadata.httpStatusCode}` : 'Error';
}

export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'Forbidden']);

/** Whether the service refused the credentials or their permissions (403 and its codes). */
export function isAccessDenied(err: unknown): boolean {
  return DENIED.has(s3ErrorCode(err)) || httpStatus(err) === 403;
}

export function isNoSuchBucket(err: unknown): boolean {
  const code = s3ErrorCode(err);
  return code === 'NoSuchBucket' || (code === 'NotFound' && httpStatus(err) === 404);
}

/**
 * A failed S3 call as a StoreError: the operation, the bucket and the service's code, never the
 * request nor the credentials. The SDK's error is not kept as `cause`: a service error carries
 * every field of the XML answer, and a SignatureDoesNotMatch answer holds the access key id and
 * the string that was signed, which the logger would print. The cause is a copy with the code,
 * the HTTP status and the first line of the message.
 */
export function s3StoreError(operation: string, bucket: string, err: unknown): StoreError {
  const code = s3ErrorCode(err);
  const status = httpStatus(err);
  const network = (err as { code?: unknown } | null)?.code;
  const detail = typeof network === 'string' ? network : `${code}${status ? `, HTTP ${status}` : ''}`;
  const cause = new Error(`${detail}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  cause.name = code;
  return new StoreError('s3', `${operation} on bucket ${bucket} failed (${detail})`, { cause });
}
