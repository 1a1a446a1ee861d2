import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunDocument, TargetResult } from '../../src/types.js';
import { runChild, tail, type ChildResult } from './child-process.js';

/** A policy of the generated config, as the YAML would spell it. */
export interface BenchPolicy {
  name: string;
  retain: { days: number } | { hours: number };
  targets: Array<Record<string, unknown>>;
}

export interface WorkerConfig {
  mysqlUrl: string;
  redisUrl?: string;
  mongoUrl?: string;
  /** `stores.mysql.adaptiveBatchSize`. @defaultValue the config's default (false) */
  mysqlAdaptive?: boolean;
  policies: BenchPolicy[];
}

/** Writes a worker config (JSON is YAML) into `dir`; returns its path. */
export async function writeWorkerConfig(dir: string, name: string, config: WorkerConfig): Promise<string> {
  const document = {
    timezone: 'UTC',
    stores: {
      mysql: { url: config.mysqlUrl, ...(config.mysqlAdaptive === undefined ? {} : { adaptiveBatchSize: config.mysqlAdaptive }) },
      mongo: { url: config.mongoUrl ?? '' },
      redis: config.redisUrl ? { url: config.redisUrl } : {},
    },
    policies: config.policies.map((p) => ({ ...p, category: 'log', schedule: { cron: '7 * * * *' } })),
  };
  // `$` starts an expansion in the loader (a `fromKey` regex ends with one): `$$` is a literal `$`.
  const text = JSON.stringify(document, null, 2).replace(/\$/g, '$$$$');
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, text);
  return path;
}

export interface WorkerRun extends ChildResult {
  document: RunDocument;
  targets: TargetResult[];
  deleted: number;
}

/** Runs `bin/retention.js run --json` as a child process: the product as users run it. */
export async function runWorkerCli(configPath: string, policy?: string, logLevel = 'warn'): Promise<WorkerRun> {
  const args = ['bin/retention.js', '--config', configPath, 'run', '--json', ...(policy ? ['--policy', policy] : [])];
  const result = await runChild(process.execPath, args, { env: { LOG_LEVEL: logLevel } });
  let document: RunDocument;
  try {
    document = JSON.parse(result.stdout) as RunDocument;
  } catch {
    throw new Error(`the worker printed no run document (exit ${result.code}):\n${tail(result.stderr)}`);
  }
  const targets = document.policies.flatMap((p) => p.targets);
  const failed = targets.filter((t) => t.status !== 'succeeded');
  if (document.status !== 'succeeded' || failed.length > 0) {
    throw new Error(
      `the worker run ${document.status}: ${JSON.stringify(failed.map((t) => ({ target: t.target, status: t.status, error: t.error })))}\n${tail(result.stderr)}`,
    );
  }
  return { ...result, document, targets, deleted: targets.reduce((sum, t) => sum + t.deleted, 0) };
}
