import type { S3Client } from '@aws-sdk/client-s3';
import type { CheckpointSink } from './checkpoint-sink.js';

export interface S3SinkOptions {
  bucket: string;
  prefix: string;
  endpoint?: string | undefined;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** Passed through as ObjectLockMode / ObjectLockRetainUntilDate; the bucket must have object lock enabled. */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retainDays: number } | undefined;
  /** For the retain-until date. */
  now: () => Date;
}

/**
 * Puts each checkpoint as its own object, `<prefix><table>/<head id, 20 digits>-<checkpoint id>.json`,
 * so a listing sorts by head and no object is ever overwritten. The AWS SDK loads on the first write.
 */
export function s3Sink(name: string, options: S3SinkOptions): CheckpointSink {
  let client: Promise<{ s3: S3Client; PutObjectCommand: typeof import('@aws-sdk/client-s3').PutObjectCommand }> | null = null;
  const connect = async () => {
    const sdk = await import('@aws-sdk/client-s3');
    const credentials =
      options.accessKeyId && options.secretAccessKey
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined;
    const s3 = new sdk.S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      maxAttempts: 2,
    });
    return { s3, PutObjectCommand: sdk.PutObjectCommand };
  };
  return {
    name,
    type: 's3',
    async write(checkpoint, line, id) {
      client ??= connect();
      const { s3, PutObjectCommand } = await client;
      const lock = options.objectLock;
      await s3.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: `${options.prefix}${checkpoint.table}/${checkpoint.headId.padStart(20, '0')}-${id}.json`,
          Body: `${line}\n`,
          ContentType: 'application/json',
          ...(lock
            ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(options.now().getTime() + lock.retainDays * 86_400_000) }
            : {}),
        }),
      );
    },
    async close() {
      if (client) (await client).s3.destroy();
    },
  };
}
