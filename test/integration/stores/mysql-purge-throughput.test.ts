import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase, insertNumbered, type TestDatabase } from '../../support/mysql.js';
import type { MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { countRows, drain, mysqlTarget, testStore } from './mysql-fixtures.js';

const ROWS = 200_000;
const NOW = new Date('2024-03-15T00:00:00Z');
const CUTOFF = new Date(NOW.getTime() - 7 * 86_400_000);

let db: TestDatabase;
let store: MysqlStore;

beforeAll(async () => {
  db = await createTestDatabase('mysql_rate');
  store = testStore(db.url, { adaptiveBatchSize: true });
  await createReferenceTables(store.pool);
  // 200k rows evenly over 14 days, ids in time order (an append-only log): the 7-day cutoff makes half of them due.
  const step = (14 * 86_400) / ROWS;
  await insertNumbered(
    store.pool,
    ROWS,
    'im_request_log (id, app_id, client_ip, interface_name, requested_at)',
    (n) =>
      `${n} + 1, 1400000000 + ${n} % 50, UNHEX('0A000001'), 'sendmsg', FROM_UNIXTIME(${NOW.getTime() / 1000 - 14 * 86_400} + ${n} * ${step})`,
  );
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('MySQL purge throughput (reference im_request_log)', () => {
  it('purges the due half of 200k request-log rows by primary-key ranges and reports rows/s', async () => {
    const purger = store.agePurger(mysqlTarget({ table: 'im_request_log', time: 'requested_at' }));
    const due = (await purger.count(CUTOFF)).due;
    expect(due).toBeGreaterThan(99_000);
    const walk = purger.openWalk(CUTOFF);
    const started = performance.now();
    const { deleted, batches } = await drain(walk);
    const seconds = (performance.now() - started) / 1000;
    expect(walk.mode).toBe('range');
    expect(deleted).toBe(due);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM im_request_log WHERE requested_at < ?', [CUTOFF])).toBe(0);
    console.info(`mysql purge: ${deleted} rows in ${seconds.toFixed(2)} s, ${batches} batches, ${Math.round(deleted / seconds)} rows/s`);
  });
});
