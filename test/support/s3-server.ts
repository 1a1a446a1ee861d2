import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

export interface S3TestServer {
  /** `http://127.0.0.1:PORT` (s3rver), or TEST_S3_URL's endpoint; path-style. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates a bucket (a random name unless given) and returns its name; `stop` removes it. */
  createBucket(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * An S3-compatible server for tests. With TEST_S3_URL (`http://KEY:SECRET@host:port`, or the
 * credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) it uses that endpoint, and `stop`
 * only removes the buckets this test created. Otherwise it starts s3rver (npm) as a child process
 * on a free port: s3rver's ListObjectsV2 tokens use DES, which Node 20's OpenSSL 3 refuses unless
 * the legacy provider is on, so the flag goes to that process only (never to the worker's).
 * s3rver has no versioning and no object lock: tests of those need TEST_S3_URL.
 */
export async function startS3Server(): Promise<S3TestServer> {
  const external = process.env.TEST_S3_URL;
  if (external) {
    const url = new URL(external);
    const accessKeyId = decodeURIComponent(url.username) || process.env.AWS_ACCESS_KEY_ID || '';
    const secretAccessKey = decodeURIComponent(url.password) || process.env.AWS_SECRET_ACCESS_KEY || '';
    return withBuckets(`${url.protocol}//${url.host}`, accessKeyId, secretAccessKey, true, async () => undefined);
  }
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  const child = spawn(process.execPath, [bin, '-d', directory, '-a', '127.0.0.1', '-p', '0', '--silent', '--no-vhost-buckets'], {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await listeningPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  return withBuckets(`http://127.0.0.1:${port}`, 'S3RVER', 'S3RVER', false, async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await rm(directory, { recursive: true, force: true });
  });
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 20 s: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /listening on [^:]+:(\d+)/.exec(out)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${out}`));
    });
  });
}

async function withBuckets(
  endpoint: string,
  accessKeyId: string,
  secretAccessKey: string,
  versioned: boolean,
  shutdown: () => Promise<void>,
): Promise<S3TestServer> {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  const created: string[] = [];
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    async createBucket(name = `rt-test-${randomBytes(6).toString('hex')}`) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      created.push(name);
      return name;
    },
    async stop() {
      try {
        for (const bucket of created.splice(0)) {
          await emptyBucket(client, bucket, versioned);
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
      } finally {
        client.destroy();
        await shutdown();
      }
    },
  };
}

/** Removes every object (and, on a real endpoint, every version) of a bucket this test created. */
async function emptyBucket(client: S3Client, bucket: string, versioned: boolean): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const objects = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (objects.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects }, BypassGovernanceRetention: true }));
  }
  // s3rver knows no versions (it would answer `?versions` with a plain listing).
  while (versioned) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (objects.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects }, BypassGovernanceRetention: true }));
  }
}
