import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { testS3Client } from './s3-client.js';

export interface TestS3Server {
  /** The endpoint URL (path-style addressing). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates a bucket (a random `rt-…` name unless given) that `stop` removes with its objects. */
  createBucket(name?: string): Promise<string>;
  /** Stops the local server, or, with TEST_S3_URL, removes only the buckets this test created. */
  stop(): Promise<void>;
}

/** s3rver's one account. */
const S3RVER_KEY = 'S3RVER';

/**
 * An S3-compatible server for a test: `s3rver` in a child process on a free port (see
 * s3rver-entry.mjs for why a process), or the endpoint of TEST_S3_URL (with TEST_S3_ACCESS_KEY_ID,
 * TEST_S3_SECRET_ACCESS_KEY, TEST_S3_REGION) for the features s3rver lacks (versioning, lifecycle).
 */
export async function startS3Server(): Promise<TestS3Server> {
  const external = process.env.TEST_S3_URL;
  if (external) {
    const accessKeyId = process.env.TEST_S3_ACCESS_KEY_ID ?? process.env.AWS_ACCESS_KEY_ID ?? '';
    const secretAccessKey = process.env.TEST_S3_SECRET_ACCESS_KEY ?? process.env.AWS_SECRET_ACCESS_KEY ?? '';
    return serverHandle(external, accessKeyId, secretAccessKey, async () => {});
  }
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const entry = fileURLToPath(new URL('./s3rver-entry.mjs', import.meta.url));
  const child = spawn(process.execPath, [entry, directory], {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
  });
  return serverHandle(`http://127.0.0.1:${port}`, S3RVER_KEY, S3RVER_KEY, async () => {
    child.stdin!.end();
    child.kill('SIGTERM');
    await exited;
    rmSync(directory, { recursive: true, force: true });
  });
}

function serverHandle(endpoint: string, accessKeyId: string, secretAccessKey: string, shutdown: () => Promise<void>): TestS3Server {
  const created: string[] = [];
  let client: S3Client | null = null;
  const s3 = () => (client ??= testS3Client({ endpoint, accessKeyId, secretAccessKey }));
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    async createBucket(name) {
      const bucket = name ?? `rt-${randomBytes(6).toString('hex')}`;
      await s3().send(new CreateBucketCommand({ Bucket: bucket }));
      created.push(bucket);
      return bucket;
    },
    async stop() {
      for (const bucket of created.reverse()) {
        try {
          await emptyBucket(s3(), bucket);
          await s3().send(new DeleteBucketCommand({ Bucket: bucket }));
        } catch {
          // A test may have removed its bucket itself.
        }
      }
      client?.destroy();
      await shutdown();
    },
  };
}

/** Deletes every object (and, where the server keeps them, every version) of a bucket. */
export async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  try {
    for (;;) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
      const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
      if (versions.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: versions, Quiet: true } }));
    }
  } catch {
    // s3rver has no versions to list.
  }
}
