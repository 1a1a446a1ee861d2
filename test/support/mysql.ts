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

/**
 * Inserts `count` rows with `INSERT … SELECT` over a cross join of digits: `select` receives the
 * SQL expression of the row number n (0-based) and returns the SELECT list.
 */
export async function insertNumbered(pool: Pool, count: number, into: string, select: (n: string) => string): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS digits (d INT NOT NULL PRIMARY KEY)');
  await pool.query('INSERT IGNORE INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
  const places = Math.max(1, Math.ceil(Math.log10(Math.max(2, count))));
  const aliases = Array.from({ length: places }, (_, i) => `d${i}`);
  const n = aliases.map((a, i) => `${a}.d * ${10 ** i}`).join(' + ');
  const from = aliases.map((a) => `digits ${a}`).join(' CROSS JOIN ');
  await pool.query(`INSERT INTO ${into} SELECT ${select(`(${n})`)} FROM ${from} WHERE (${n}) < ${count} ORDER BY (${n})`);
}
