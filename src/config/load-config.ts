import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { expandTree, withoutExternalValues, type Env, type ExternalValue } from './expand-env.js';
import type { RawConfig } from './schema.js';
import { validateConfig } from './validate-config.js';
import { hashConfig } from './config-hash.js';
import type { StoreName } from '../types.js';

export { formatPath } from './validate-config.js';
export { stableJson } from './config-hash.js';

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

/**
 * The pipeline behind `resolveConfig`, for text already read: parse YAML → expand `${VAR}` →
 * validate and apply defaults → freeze. `source` names the file in messages.
 */
export function resolveConfigText(text: string, source: string, env: Env): ResolvedConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (document === null || document === undefined) throw new ConfigError(`${source} is empty`);
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`${source} must be a YAML mapping`);
  }
  const expansionIssues: ConfigIssue[] = [];
  const external: ExternalValue[] = [];
  const expanded = expandTree(document, env, expansionIssues, '', external);
  const validated = validateConfig(expanded);
  if (!validated.success || expansionIssues.length > 0) {
    const schemaIssues = validated.success ? [] : validated.issues.filter((i) => !underAny(i.path, expansionIssues));
    // Never echo a value read from the environment or a file (it may be a secret).
    const issues = [...expansionIssues, ...schemaIssues].map((i) => ({ ...i, message: withoutExternalValues(i.message, external) }));
    throw new ConfigError(dedupe(issues));
  }
  const raw = validated.config;
  const enabledStores = new Set<StoreName>(['mysql']);
  if (raw.stores.mongo.url !== '') enabledStores.add('mongo');
  if ((raw.stores.redis.url ?? '') !== '' || (raw.stores.redis.nodes?.length ?? 0) > 0) enabledStores.add('redis');
  if (raw.stores.kafka.brokers.length > 0) enabledStores.add('kafka');
  if (raw.stores.s3.endpoint !== '' || raw.stores.s3.region !== '') enabledStores.add('s3');
  return deepFreeze({ ...raw, source, hash: hashConfig(raw), enabledStores });
}

/**
 * Whether a schema issue sits at (or inside) a value whose expansion already failed: that value
 * was replaced by '' and the schema's complaint about it ("must not be empty") would only mislead.
 */
function underAny(path: string, expansionIssues: readonly ConfigIssue[]): boolean {
  return expansionIssues.some((e) => path === e.path || path.startsWith(`${e.path}.`) || path.startsWith(`${e.path}[`));
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Set) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
