import type { S3StoreConfig, S3TargetConfig, TargetConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { AgePurger, PurgerContext, Store, SubjectPurger } from '../purger.js';
import { readBucketSettings, type BucketSettings } from './bucket-settings.js';
import type { ListingStats } from './object-listing.js';
import { createS3AgePurger } from './s3-age-purger.js';
import { createS3Client } from './s3-client.js';
import { createS3SubjectPurger } from './s3-subject-purger.js';

/** The S3 store, with what `retention report` reads about a bucket beyond its objects. */
export interface S3Store extends Store {
  readonly name: 's3';
  bucketSettings(bucket: string): Promise<BucketSettings>;
  /** Listing requests and keys listed since the store was opened. */
  readonly stats: Readonly<ListingStats>;
}

/**
 * The S3 store (AWS S3, Tencent COS and other S3-compatible services), through the official AWS
 * SDK v3. The client makes no connection until a purger uses it; each target checks its bucket.
 */
export function createS3Store(config: S3StoreConfig, logger: Logger): S3Store {
  const client = createS3Client(config);
  const stats: ListingStats = { requests: 0, listed: 0 };
  const deps = (context: PurgerContext) => ({ client, zone: context.zone, stats });
  logger.child({ store: 's3' }).debug({ endpoint: config.endpoint || '(AWS)', region: config.region }, 's3 store configured');
  return {
    name: 's3',
    stats,
    agePurger(target: TargetConfig, context: PurgerContext): AgePurger {
      return createS3AgePurger(s3Target(target), deps(context));
    },
    subjectPurger(target: TargetConfig, context: PurgerContext): SubjectPurger {
      return createS3SubjectPurger(s3Target(target), deps(context));
    },
    bucketSettings: (bucket) => readBucketSettings(client, bucket),
    // Buckets are checked per target (HeadBucket): a deployment may not be allowed ListBuckets.
    ping: async () => {},
    close: async () => client.destroy(),
  };
}

export function isS3Store(store: Store | undefined): store is S3Store {
  return store?.name === 's3';
}

function s3Target(target: TargetConfig): S3TargetConfig {
  if (target.store !== 's3') throw new TypeError(`the S3 store cannot purge a ${target.store} target`);
  return target;
}
