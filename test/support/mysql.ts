import { randomBytes } from 'node:crypto';
import { createConnection, createPool, type Pool } from 'mysql2/promise';

/** The shared MariaDB tests run against; override with TEST_MYSQL_URL (a URL without a database). */
export const MYSQL_SERVER_URL = process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  name: string;
  /** `mysql://…/<name>`, for configs and the CLI. */
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** Creates a private database for one test file; `drop()` removes it and closes the pool. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `rt_${label.replace(/[^a-z0-9_]/gi, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(MYSQL_SERVER_URL);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const url = `${MYSQL_SERVER_URL.replace(/\/$/, '')}/${name}`;
  const pool = createPool({
    uri: url,
    connectionLimit: 4,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
    multipleStatements: true,
  });
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      const conn = await createConnection(MYSQL_SERVER_URL);
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
