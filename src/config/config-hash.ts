import { createHash } from 'node:crypto';
import type { RawConfig } from './schema.js';

/**
 * SHA-256 of the resolved configuration without its secrets, recorded in every audit entry. Store
 * URLs contribute only scheme, hosts and path (which database was purged); credentials, query
 * options (which may carry passwords or TLS secrets) and the audit key are left out, so rotating a
 * password or the key does not change the hash, and the hash reveals nothing secret.
 */
export function hashConfig(raw: RawConfig): string {
  const { redis } = raw.stores;
  const safe = {
    ...raw,
    stores: {
      mysql: { ...raw.stores.mysql, url: urlIdentity(raw.stores.mysql.url), replicas: raw.stores.mysql.replicas.map(urlIdentity) },
      mongo: { url: urlIdentity(raw.stores.mongo.url) },
      redis: { url: redis.url === undefined ? undefined : urlIdentity(redis.url), nodes: redis.nodes?.map(urlIdentity) },
      // Brokers and settings only: TLS material and SASL credentials stay out.
      kafka: { brokers: raw.stores.kafka.brokers, tls: raw.stores.kafka.tls !== false, sasl: raw.stores.kafka.sasl?.mechanism ?? null },
      s3: { endpoint: urlIdentity(raw.stores.s3.endpoint), region: raw.stores.s3.region, forcePathStyle: raw.stores.s3.forcePathStyle },
    },
    queue: { ...raw.queue, redisUrl: urlIdentity(raw.queue.redisUrl) },
    audit: { table: raw.audit.table, keyed: raw.audit.key !== '' },
  };
  return createHash('sha256').update(stableJson(safe)).digest('hex');
}

const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#]*@)?([^/?#]*)([^?#]*)/;

/** `scheme://hosts/path` of a URL, without user, password, query or fragment; '' stays '' (a disabled store). */
export function urlIdentity(url: string): string {
  if (url === '') return '';
  const parts = URL_PARTS.exec(url);
  // Not a URL we can take apart: contribute nothing rather than risk hashing a secret.
  if (!parts) return '(unparsed)';
  return `${parts[1]!.toLowerCase()}://${parts[2]!.toLowerCase()}${parts[3]}`;
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
