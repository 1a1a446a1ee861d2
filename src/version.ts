import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'retention-worker' && parsed.version) return parsed.version;
    } catch {
      // try the next location: src/ when run from sources, dist/src/ when built
    }
  }
  return '0.0.0';
}

/** The worker's version, recorded in every audit entry. */
export const WORKER_VERSION = readVersion();
