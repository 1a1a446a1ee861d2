import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { expandTree, type Env } from './expand-env.js';
import { configSchema, type RawConfig } from './schema.js';
import { broadMatchProblem } from '../stores/redis/pattern-guard.js';
import type { StoreName } from '../types.js';

export const DEFAULT_CONFIG_FILE = 'config/retention.yaml';

/** The one typed, resolved, frozen configuration everything else reads. */
export type ResolvedConfig = Readonly<
  RawConfig & {
    /** The file it was read from. */
    source: string;
    /** SHA-256 of the resolved configuration without secrets: recorded in every audit entry. */
    hash: string;
    /** Stores this deployment has: MySQL always; MongoDB and Redis unless their URL is empty. */
    enabledStores: ReadonlySet<StoreName>;
  }
>;

export interface ResolveOptions {
  /** `--config FILE`; else `RETENTION_CONFIG`; else `config/retention.yaml`. */
  file?: string | undefined;
  env?: Env;
}

/** Picks the configuration file by precedence: `--config`, then `RETENTION_CONFIG`, then the default. */
export function configFilePath(options: ResolveOptions): string {
  const env = options.env ?? process.env;
  return options.file ?? (env.RETENTION_CONFIG || DEFAULT_CONFIG_FILE);
}

/** read YAML → expand `${VAR}` → validate → defaults → freeze. Throws ConfigError listing every problem. */
export function resolveConfig(options: ResolveOptions = {}): ResolvedConfig {
  const source = configFilePath(options);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${source} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return resolveConfigText(text, source, options.env ?? process.env);
}

export function resolveConfigText(text: string, source: string, env: Env): ResolvedConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`${source} must be a YAML mapping`);
  }
  const issues: ConfigIssue[] = [];
  const expanded = expandTree(document, env, issues);
  const parsed = configSchema.safeParse(expanded);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ path: formatPath(issue.path), message: issue.message });
  } else {
    issues.push(...crossChecks(parsed.data));
  }
  if (issues.length > 0) throw new ConfigError(dedupe(issues));
  const raw = parsed.data!;
  const enabledStores = new Set<StoreName>(['mysql']);
  if (raw.stores.mongo.url !== '') enabledStores.add('mongo');
  if ((raw.stores.redis.url ?? '') !== '' || (raw.stores.redis.nodes?.length ?? 0) > 0) enabledStores.add('redis');
  return deepFreeze({ ...raw, source, hash: hashConfig(raw), enabledStores });
}

function crossChecks(config: RawConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  config.policies.forEach((p, i) => {
    if (seen.has(p.name)) issues.push({ path: `policies[${i}].name`, message: `duplicate policy name "${p.name}"` });
    seen.add(p.name);
    p.targets.forEach((t, j) => {
      if (t.store !== 'redis') return;
      const problem = broadMatchProblem(t.match, t.allowBroadMatch);
      if (problem) issues.push({ path: `policies[${i}].targets[${j}].match`, message: problem });
      if (t.match.startsWith(`${config.queue.prefix}:`)) {
        issues.push({ path: `policies[${i}].targets[${j}].match`, message: `must not match the queue's own keys (prefix "${config.queue.prefix}:")` });
      }
    });
  });
  return issues;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Hash of the resolved configuration with URLs and the audit key left out: safe to log and audit. */
function hashConfig(raw: RawConfig): string {
  const safe = {
    ...raw,
    stores: {
      mysql: { ...raw.stores.mysql, url: undefined, replicas: raw.stores.mysql.replicas.length },
      mongo: { enabled: raw.stores.mongo.url !== '' },
      redis: { enabled: Boolean(raw.stores.redis.url || raw.stores.redis.nodes?.length), cluster: Boolean(raw.stores.redis.nodes?.length) },
    },
    queue: { ...raw.queue, redisUrl: undefined },
    audit: { table: raw.audit.table, keyed: raw.audit.key !== '' },
  };
  return createHash('sha256').update(stableJson(safe)).digest('hex');
}

/** JSON with sorted keys (undefined members dropped), so equal configurations hash equally. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Set) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
