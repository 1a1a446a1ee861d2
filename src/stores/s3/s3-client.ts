import { S3Client } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from '../../config/schema.js';

/** Attempts of one S3 request (throttling, 5xx, connection resets), the SDK's own backoff. @defaultValue 4 */
const MAX_ATTEMPTS = 4;

/**
 * The AWS SDK v3 client for this deployment's S3-compatible service (AWS, Tencent COS, MinIO…).
 * Credentials come from the configuration (usually `${file:…}`) or, when empty, from the SDK's
 * default chain; they never appear in a log line or an error, since the SDK's errors carry only the
 * service's error code and message.
 */
export function createS3Client(config: S3StoreConfig): S3Client {
  // The SDK announces on Node < 22 that releases after January 2027 will need Node 22
  // (NodeVersionSupportWarning, printed on stderr through process.emitWarning, in the middle of the
  // CLI's output). It is the SDK's documented off switch for that one warning and nothing else;
  // the pinned SDK version runs on Node 20 (see docs/configuration.md, "S3").
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const credentials =
    config.accessKeyId !== ''
      ? {
          accessKeyId: config.accessKeyId,
          secretAccessKey: config.secretAccessKey,
          ...(config.sessionToken !== '' ? { sessionToken: config.sessionToken } : {}),
        }
      : undefined;
  return new S3Client({
    ...(config.endpoint !== '' ? { endpoint: config.endpoint } : {}),
    // COS and most compatible servers accept any region name in the signature; AWS needs the right one.
    region: config.region !== '' ? config.region : 'us-east-1',
    forcePathStyle: config.forcePathStyle,
    maxAttempts: MAX_ATTEMPTS,
    ...(credentials ? { credentials } : {}),
    // Checksums on every request (the SDK's default since 3.729) are not understood by every
    // compatible server; S3 needs one only where the API requires it (DeleteObjects: Content-MD5 or CRC).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
