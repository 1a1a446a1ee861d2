import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DateTime } from 'luxon';
import { runChild, tail } from '../support/child-process.js';
import { runWorkerCli } from '../support/worker-cli.js';
import { createBenchDatabase } from '../mysql/bench-database.js';
import { startPrivateS3rver, type PrivateS3rver } from './private-s3rver.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Days of objects; the older half is due. */
const DAYS = 10;
/** Objects written at once while loading. */
const LOAD_CONCURRENCY = 32;
const BUCKET = 'bench-logs';
const KEY = 'S3RVER';

export interface S3Method {
  id: 'worker' | 'aws-cli' | 's3cmd';
  label: string;
  deleted: number;
  wallMs: number;
  objectsPerSecond: number;
  /** This method's rate over the best baseline's (worker only). */
  ratioToBestBaseline: number | null;
  /** Listing requests the method made, where known. */
  note: string;
}

export interface S3BenchResult {
  server: string;
  /** Absent from results written before the option existed (then `day`). */
  folders?: 'day' | 'hour';
  objects: number;
  dueObjects: number;
  loadSeconds: number;
  loadObjectsPerSecond: number;
  methods: S3Method[];
}

export interface S3BenchOptions {
  objects: number;
  /** A folder per day or per hour: s3rver's delete reads the key's folder, so its size sets the server's cost per key. */
  folders: 'day' | 'hour';
  mysqlServerUrl: string;
  log: (line: string) => void;
}

/**
 * Objects under `logs/yyyy/MM/dd/HHmmssSSS-n` over the last DAYS whole days (00:00 to 22:00 of
 * each), the older half due. The same loaded s3rver directory is copied before each method, so
 * every method deletes the same objects on the same server: the worker (`retention run`, time in
 * the key, keysInTimeOrder), `aws s3 rm --recursive` and `s3cmd del --recursive` on each due
 * day's prefix (how an operator deletes old days by hand; neither can compare times).
 */
export async function runS3Bench(options: S3BenchOptions): Promise<S3BenchResult> {
  const { log } = options;
  const root = await mkdtemp(join(tmpdir(), 'bench-s3-'));
  const loaded = join(root, 'loaded');
  const today = DateTime.utc().startOf('day').toMillis();
  const perDay = Math.ceil(options.objects / DAYS);
  const keys: string[] = [];
  const dueDays = new Set<string>();
  for (let day = 1; day <= DAYS; day += 1) {
    const date = today - day * DAY_MS;
    const prefix = `logs/${DateTime.fromMillis(date, { zone: 'UTC' }).toFormat('yyyy/MM/dd')}/`;
    if (day > DAYS / 2) dueDays.add(prefix);
    for (let i = 0; i < perDay && keys.length < options.objects; i += 1) {
      const ms = date + Math.floor((i / perDay) * 22 * HOUR_MS);
      const time = DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat(options.folders === 'hour' ? 'HH/mmssSSS' : 'HHmmssSSS');
      keys.push(`${prefix}${time}-${i}.log.gz`);
    }
  }
  const dueObjects = keys.filter((k) => dueDays.has(k.slice(0, 'logs/yyyy/MM/dd/'.length))).length;

  log(`s3: loading ${keys.length} objects into s3rver (${LOAD_CONCURRENCY} at once)`);
  let server = await startPrivateS3rver(loaded);
  const client = s3Client(server.endpoint);
  const loadStarted = performance.now();
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  let next = 0;
  const body = Buffer.alloc(256, 'x');
  await Promise.all(
    Array.from({ length: LOAD_CONCURRENCY }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        if (next % 10_000 === 0) log(`s3: ${next} objects loaded`);
      }
    }),
  );
  const loadMs = performance.now() - loadStarted;
  client.destroy();
  await server.stop();
  log(`s3: loaded in ${(loadMs / 1000).toFixed(1)} s`);

  const db = await createBenchDatabase(options.mysqlServerUrl);
  const methods: S3Method[] = [];
  try {
    for (const id of ['aws-cli', 's3cmd', 'worker'] as const) {
      const copy = join(root, id);
      await cp(loaded, copy, { recursive: true });
      server = await startPrivateS3rver(copy);
      try {
        log(`s3: ${id}`);
        const before = await countObjects(server.endpoint);
        const started = performance.now();
        const note = await runMethod(id, server, [...dueDays], root, db.url, options.folders, log);
        const wallMs = performance.now() - started;
        const deleted = before - (await countObjects(server.endpoint));
        if (deleted !== dueObjects) throw new Error(`${id} deleted ${deleted} objects, ${dueObjects} were due`);
        methods.push({
          id,
          label: LABELS[id],
          deleted,
          wallMs,
          objectsPerSecond: (deleted / wallMs) * 1000,
          ratioToBestBaseline: null,
          note,
        });
      } finally {
        await server.stop();
        await rm(copy, { recursive: true, force: true });
      }
    }
  } finally {
    await db.drop();
    await rm(root, { recursive: true, force: true });
  }
  const best = Math.max(...methods.filter((m) => m.id !== 'worker').map((m) => m.objectsPerSecond));
  for (const m of methods) if (m.id === 'worker') m.ratioToBestBaseline = m.objectsPerSecond / best;
  return {
    server: 's3rver 3.7.1 (filesystem store), path-style',
    folders: options.folders,
    objects: keys.length,
    dueObjects,
    loadSeconds: loadMs / 1000,
    loadObjectsPerSecond: (keys.length / loadMs) * 1000,
    methods,
  };
}

const LABELS: Record<S3Method['id'], string> = {
  worker: 'worker (`retention run`, DeleteObjects × 1000, listing stops at the first kept key)',
  'aws-cli': '`aws s3 rm --recursive` per due day',
  s3cmd: '`s3cmd del --recursive` per due day',
};

async function runMethod(
  id: S3Method['id'],
  server: PrivateS3rver,
  dueDays: string[],
  dir: string,
  mysqlUrl: string,
  folders: S3BenchOptions['folders'],
  log: (l: string) => void,
): Promise<string> {
  const env = { AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: KEY, AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
  if (id === 'aws-cli') {
    for (const prefix of dueDays) {
      const r = await runChild(
        'aws',
        ['--endpoint-url', server.endpoint, 's3', 'rm', `s3://${BUCKET}/${prefix}`, '--recursive', '--only-show-errors'],
        { env },
      );
      if (r.code !== 0) throw new Error(`aws s3 rm failed (${r.code}): ${tail(r.stderr)}`);
    }
    return 'one DeleteObject per key, 10 at once (its default)';
  }
  if (id === 's3cmd') {
    const config = join(dir, 's3cmd.cfg');
    const host = `127.0.0.1:${server.port}`;
    await writeFile(
      config,
      `[default]\naccess_key = ${KEY}\nsecret_key = ${KEY}\nhost_base = ${host}\nhost_bucket = ${host}\nuse_https = False\nsignature_v2 = False\n`,
    );
    for (const prefix of dueDays) {
      const r = await runChild('s3cmd', ['-c', config, '--quiet', 'del', '--recursive', '--force', `s3://${BUCKET}/${prefix}`]);
      if (r.code !== 0) throw new Error(`s3cmd del failed (${r.code}): ${tail(r.stderr)}`);
    }
    return 'multi-object delete per listing page';
  }
  const configPath = join(dir, 'worker.yaml');
  // Cutoff = now − hours: between 22:00 of the newest due day and 00:00 of the oldest kept one.
  const hours = Math.ceil((Date.now() - DateTime.utc().startOf('day').toMillis()) / HOUR_MS) + (DAYS / 2) * 24;
  await writeFile(
    configPath,
    JSON.stringify({
      timezone: 'UTC',
      stores: {
        mysql: { url: mysqlUrl },
        mongo: { url: '' },
        s3: { endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: KEY, secretAccessKey: KEY },
      },
      policies: [
        {
          name: 'object-logs',
          category: 'log',
          retain: { hours },
          schedule: { cron: '7 * * * *' },
          targets: [
            {
              store: 's3',
              bucket: BUCKET,
              prefix: 'logs/',
              time:
                folders === 'hour'
                  ? { fromKey: '^logs/(\\d{4}/\\d{2}/\\d{2}/\\d{2}/\\d{7})', format: 'yyyy/MM/dd/HH/mmssSSS', keysInTimeOrder: true }
                  : { fromKey: '^logs/(\\d{4}/\\d{2}/\\d{2}/\\d{9})', format: 'yyyy/MM/dd/HHmmssSSS', keysInTimeOrder: true },
            },
          ],
        },
      ],
    }).replace(/\$/g, '$$$$'),
  );
  const run = await runWorkerCli(configPath);
  log(`s3: worker target took ${run.targets[0]?.durationMs} ms in ${run.targets[0]?.batches} batches`);
  return `${run.targets[0]?.batches ?? 0} batches of ≤ 1000 keys`;
}

function s3Client(endpoint: string): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: KEY } });
}

async function countObjects(endpoint: string): Promise<number> {
  const client = s3Client(endpoint);
  let n = 0;
  let after: string | undefined;
  try {
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1000, ...(after ? { StartAfter: after } : {}) }));
      const contents = page.Contents ?? [];
      n += contents.length;
      if (!page.IsTruncated || contents.length === 0) return n;
      after = contents[contents.length - 1]!.Key;
    }
  } finally {
    client.destroy();
  }
}
