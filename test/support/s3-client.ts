import { S3Client } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from '../../src/config/schema.js';

/** What a test needs of an S3 server to reach it (see `startS3Server` in s3-server.ts). */
export interface S3Endpoint {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A client for the test server (path-style), for fixtures that write and read objects directly. */
export function testS3Client(server: S3Endpoint): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: server.endpoint,
    region: process.env.TEST_S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The `stores.s3` settings of a deployment using the test server (path-style). */
export function testS3StoreConfig(server: S3Endpoint, overrides: Partial<S3StoreConfig> = {}): S3StoreConfig {
  return {
    endpoint: server.endpoint,
    region: process.env.TEST_S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    sessionToken: '',
    ...overrides,
  };
}
