import { HeadBucketCommand, ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3TargetConfig } from '../../config/schema.js';
import { RefusalError } from '../../errors/index.js';
import { unorderedFormatProblem } from './object-time.js';
import { isAccessDenied, isNoSuchBucket, s3ErrorCode, s3StoreError } from './s3-errors.js';

/**
 * Refusals of an age target that need no request: a prefix that is the whole bucket, no time, a
 * `fromKey` that could take its "time" from any key, a key order the format cannot promise.
 */
export function ageTargetProblem(target: S3TargetConfig): RefusalError | null {
  const name = `${target.bucket}/${target.prefix}`;
  if (target.prefix.includes('<subject>'))
    return new RefusalError('subject-pattern', `"${name}" has <subject>, which only a subject policy can fill`);
  if (target.prefix === '' && !target.allowBroadMatch) {
    return new RefusalError(
      'broad-match',
      `target ${name} has an empty prefix and would cover every object of bucket ${target.bucket}; give it a prefix such as "logs/" or set allowBroadMatch: true`,
    );
  }
  const time = target.time;
  if (time === undefined)
    return new RefusalError('no-time', `target ${name} of an age policy needs time: lastModified or { fromKey, format }`);
  if (time === 'lastModified') return null;
  let pattern: RegExp;
  try {
    pattern = new RegExp(time.fromKey);
  } catch {
    return new RefusalError('invalid-regex', `time.fromKey of ${name} is not a valid regular expression`);
  }
  // A pattern that matches the empty text matches every key somewhere: the time it "reads" is
  // whatever the format happens to accept, not a time the key was written with.
  if (pattern.test('')) {
    return new RefusalError(
      'broad-match',
      `time.fromKey "${time.fromKey}" of ${name} matches the empty text, so it could match any key; anchor it on the time's digits`,
    );
  }
  if (time.keysInTimeOrder) {
    const problem = unorderedFormatProblem(time.format);
    if (problem) return new RefusalError('unordered-keys', `${name} has keysInTimeOrder but its ${problem}`);
  }
  return null;
}

/** Refusal of a subject target's prefix: the subject id must end at a delimiter (`config/<subject>/`). */
export function subjectTargetProblem(target: S3TargetConfig): RefusalError | null {
  if (!/<subject>[^0-9]/.test(target.prefix)) {
    return new RefusalError(
      'subject-pattern',
      `prefix "${target.prefix}" of bucket ${target.bucket} must contain <subject> followed by a delimiter ("config/<subject>/"), or one subject's prefix would cover others'`,
    );
  }
  return null;
}

/**
 * Checks the bucket against the service before anything is touched: it exists, and these
 * credentials may list the prefix (and its versions, when every version is to be deleted). A
 * missing bucket and denied permissions are refusals naming the bucket; an unreachable service a
 * StoreError. Delete permission cannot be probed without deleting: a first DeleteObjects denied
 * for every key refuses the target then, with nothing deleted.
 */
export async function checkBucketAccess(client: S3Client, target: S3TargetConfig, prefix: string): Promise<void> {
  const { bucket } = target;
  const refuse = (operation: string, err: unknown): never => {
    if (isNoSuchBucket(err)) throw new RefusalError('no-bucket', `bucket ${bucket} does not exist`);
    if (isAccessDenied(err))
      throw new RefusalError('access-denied', `the credentials may not ${operation} bucket ${bucket} (${s3ErrorCode(err)})`);
    throw s3StoreError(operation, bucket, err);
  };
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    refuse('read', err);
  }
  try {
    await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  } catch (err) {
    refuse('list', err);
  }
  if (target.allVersions) {
    try {
      await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    } catch (err) {
      refuse('list the versions of', err);
    }
  }
}
