import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReferenceTables } from '../../src/seed/mysql-reference-schema.js';
import { createTestDatabase, type TestDatabase } from './mysql.js';

/** The `policies:` entry of a 7-day log policy over `im_request_log`; `targetExtra` adds target fields (`, batchSize: 500`). */
export function logPolicyYaml(targetExtra = ''): string {
  return `  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at${targetExtra} }
`;
}

/** A configuration with one 7-day log policy over `im_request_log` (logPolicyYaml). */
export function logPolicyConfig(mysqlUrl: string, options: { key?: string; targetExtra?: string } = {}): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "" }
audit: { key: "${options.key ?? 'cli-test-key'}" }
policies:
${logPolicyYaml(options.targetExtra)}`;
}

export interface CliFixture {
  /** A private database with the reference tables. */
  db: TestDatabase;
  /** Writes a configuration file into the fixture's scratch directory; returns its path. */
  writeConfig(yaml: string, name?: string): string;
  drop(): Promise<void>;
}

/** What a test that runs the built CLI needs: a database and a place for its configuration. */
export async function createCliFixture(label: string): Promise<CliFixture> {
  const db = await createTestDatabase(label);
  await createReferenceTables(db.pool);
  const dir = mkdtempSync(join(tmpdir(), `retention-${label}-`));
  return {
    db,
    writeConfig(yaml, name = 'retention.yaml') {
      const file = join(dir, name);
      writeFileSync(file, yaml);
      return file;
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}
