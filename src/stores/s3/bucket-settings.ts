import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  type LifecycleRule as SdkRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LifecycleRule } from './lifecycle-coverage.js';
import { s3ErrorCode } from './s3-errors.js';

export interface BucketSettings {
  /** `Enabled`, `Suspended` (old versions stay), `Off`; null when it could not be read. */
  versioning: 'Enabled' | 'Suspended' | 'Off' | null;
  /** The lifecycle rules ([] when the bucket has none); null when they could not be read. */
  lifecycle: LifecycleRule[] | null;
  /** Why a setting could not be read (the service's error code), for the report. */
  unreadable: string[];
}

/** Reads a bucket's versioning state and lifecycle rules, for `retention report`. Never throws. */
export async function readBucketSettings(client: S3Client, bucket: string): Promise<BucketSettings> {
  const settings: BucketSettings = { versioning: null, lifecycle: null, unreadable: [] };
  try {
    const out = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    settings.versioning = out.Status === 'Enabled' ? 'Enabled' : out.Status === 'Suspended' ? 'Suspended' : 'Off';
  } catch (err) {
    settings.unreadable.push(`versioning (${s3ErrorCode(err)})`);
  }
  try {
    const out = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    settings.lifecycle = (out.Rules ?? []).map(lifecycleRuleOf);
  } catch (err) {
    // S3 answers a bucket without lifecycle rules with this error, not an empty list.
    if (s3ErrorCode(err) === 'NoSuchLifecycleConfiguration') settings.lifecycle = [];
    else settings.unreadable.push(`lifecycle (${s3ErrorCode(err)})`);
  }
  return settings;
}

/** The parts of an SDK lifecycle rule that `lifecycleCoverage` weighs. */
export function lifecycleRuleOf(rule: SdkRule): LifecycleRule {
  const filter = rule.Filter;
  const and = filter?.And;
  // The rule's prefix: Filter.Prefix, Filter.And.Prefix, or the legacy top-level Prefix.
  const prefix = filter?.Prefix ?? and?.Prefix ?? rule.Prefix ?? (filter === undefined || isEmptyFilter(filter) ? '' : undefined);
  const narrowed =
    filter?.Tag !== undefined ||
    filter?.ObjectSizeGreaterThan !== undefined ||
    filter?.ObjectSizeLessThan !== undefined ||
    (and?.Tags?.length ?? 0) > 0 ||
    and?.ObjectSizeGreaterThan !== undefined ||
    and?.ObjectSizeLessThan !== undefined;
  return {
    id: rule.ID,
    enabled: rule.Status === 'Enabled',
    prefix,
    narrowed,
    expirationDays: rule.Expiration?.Days,
    noncurrentDays: rule.NoncurrentVersionExpiration?.NoncurrentDays,
  };
}

function isEmptyFilter(filter: object): boolean {
  return Object.values(filter).every((v) => v === undefined);
}
