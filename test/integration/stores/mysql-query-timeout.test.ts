import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool, DEFAULT_SESSION_SETTINGS } from '../../../src/stores/mysql/connection.js';
import { isRetryable } from '../../../src/lib/retry.js';

describe('stores.mysql.queryTimeoutMs bounds every statement on the pool (MariaDB)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('query_timeout');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('fails a statement the server has not answered within the limit, on pool.query and on a held connection', async () => {
    const pool = createMysqlPool(db.url, { ...DEFAULT_SESSION_SETTINGS, queryTimeoutMs: 300 });
    try {
      const viaPool = await pool.query('SELECT SLEEP(5) AS s').then(
        () => null,
        (err: unknown) => err,
      );
      expect(viaPool).toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT', fatal: true });
      // A connection-killing timeout is retried by the engine, on a fresh connection.
      expect(isRetryable(viaPool)).toBe(true);
      const conn = await pool.getConnection();
      const held = await conn.query('SELECT SLEEP(5) AS s').then(
        () => null,
        (err: unknown) => err,
      );
      conn.destroy();
      expect(held).toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
      // A statement that names its own timeout keeps it; a quick one is untouched.
      const [rows] = await pool.query({ sql: 'SELECT SLEEP(0.5) AS s', timeout: 5000 });
      expect(rows).toEqual([{ s: 0 }]);
    } finally {
      await pool.end();
    }
  });
});
