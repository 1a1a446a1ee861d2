import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import type { MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import { createReferenceTables, REFERENCE_MYSQL_TABLES } from '../../../src/seed/mysql-reference-schema.js';
import { countRows, mysqlTarget, testStore } from './mysql-fixtures.js';

const MAX_U64 = '18446744073709551615';
const MAX_U64_MINUS_1 = '18446744073709551614';
const ABOVE_2_53 = '9007199254740993'; // 2^53 + 1: a JS number would round it to …992
const AT_2_53 = '9007199254740992';

let db: TestDatabase;
let store: MysqlStore;

beforeAll(async () => {
  db = await createTestDatabase('mysql_subject');
  store = testStore(db.url);
  await createReferenceTables(store.pool);
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

async function pushCertificates(appIds: Array<[string, number]>): Promise<void> {
  for (const [appId, n] of appIds) {
    for (let i = 0; i < n; i += 1) {
      await store.pool.query('INSERT INTO im_push_certificate (app_id, platform) VALUES (?, ?)', [BigInt(appId), i % 2 ? 'fcm' : 'apns']);
    }
  }
}

async function remainingByApp(table: string): Promise<Record<string, number>> {
  const [rows] = await store.pool.query(`SELECT CAST(app_id AS CHAR) AS app, COUNT(*) AS n FROM ${table} GROUP BY app_id`);
  return Object.fromEntries((rows as Array<{ app: string; n: string }>).map((r) => [r.app, Number(r.n)]));
}

describe('MySQL subject purge', () => {
  it('creates the reference tables idempotently', async () => {
    await createReferenceTables(store.pool);
    expect(REFERENCE_MYSQL_TABLES).toHaveLength(6);
    const [rows] = await store.pool.query(
      'SELECT TABLE_NAME AS t, ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      [db.name],
    );
    expect(rows).toEqual([
      { t: 'im_account', e: 'InnoDB' },
      { t: 'im_app_config', e: 'InnoDB' },
      { t: 'im_exception_log', e: 'InnoDB' },
      { t: 'im_monitoring_stat', e: 'InnoDB' },
      { t: 'im_push_certificate', e: 'InnoDB' },
      { t: 'im_request_log', e: 'InnoDB' },
    ]);
  });

  it('accepts every reference target of the default configuration', async () => {
    for (const [table, time] of [
      ['im_request_log', 'requested_at'],
      ['im_exception_log', 'occurred_at'],
      ['im_monitoring_stat', 'window_start'],
    ] as const) {
      await store.agePurger(mysqlTarget({ table, time })).check();
    }
    for (const table of ['im_app_config', 'im_push_certificate']) {
      await store.subjectPurger(mysqlTarget({ table, subject: 'app_id' }), { zone: 'UTC' }).check();
    }
  });

  it('deletes exactly the rows of ids above 2^53, leaving their neighbours, in batches, and counts per subject', async () => {
    await pushCertificates([
      [MAX_U64, 5],
      [MAX_U64_MINUS_1, 2],
      [ABOVE_2_53, 3],
      [AT_2_53, 4],
    ]);
    const purger = store.subjectPurger(mysqlTarget({ table: 'im_push_certificate', subject: 'app_id', batchSize: 2 }), { zone: 'UTC' });
    await purger.check();
    const counts = await purger.countSubjects([MAX_U64, ABOVE_2_53, '42']);
    expect(Object.fromEntries(counts)).toEqual({ [MAX_U64]: 5, [ABOVE_2_53]: 3, '42': 0 });

    const deleted = await purger.purgeSubjects([MAX_U64, ABOVE_2_53, '42']);
    expect(Object.fromEntries(deleted)).toEqual({ [MAX_U64]: 5, [ABOVE_2_53]: 3, '42': 0 });
    expect(await remainingByApp('im_push_certificate')).toEqual({ [MAX_U64_MINUS_1]: 2, [AT_2_53]: 4 });
  });

  it('is idempotent: purging subjects already gone deletes nothing and is not an error', async () => {
    const purger = store.subjectPurger(mysqlTarget({ table: 'im_push_certificate', subject: 'app_id' }), { zone: 'UTC' });
    expect(Object.fromEntries(await purger.purgeSubjects([MAX_U64, ABOVE_2_53]))).toEqual({ [MAX_U64]: 0, [ABOVE_2_53]: 0 });
    expect(await remainingByApp('im_push_certificate')).toEqual({ [MAX_U64_MINUS_1]: 2, [AT_2_53]: 4 });
  });

  it('purges a table whose subject column is its primary key', async () => {
    const now = new Date('2024-03-10T00:00:00Z');
    for (const id of [MAX_U64, MAX_U64_MINUS_1]) {
      await store.pool.query('INSERT INTO im_app_config (app_id, app_name, created_at, updated_at) VALUES (?, ?, ?, ?)', [
        BigInt(id),
        'demo',
        now,
        now,
      ]);
    }
    const purger = store.subjectPurger(mysqlTarget({ table: 'im_app_config', subject: 'app_id' }), { zone: 'UTC' });
    expect(Object.fromEntries(await purger.purgeSubjects([MAX_U64]))).toEqual({ [MAX_U64]: 1 });
    expect(await remainingByApp('im_app_config')).toEqual({ [MAX_U64_MINUS_1]: 1 });
  });

  it('matches nothing for an id that is not an integer, and never errors on it', async () => {
    const purger = store.subjectPurger(mysqlTarget({ table: 'im_push_certificate', subject: 'app_id' }), { zone: 'UTC' });
    expect(Object.fromEntries(await purger.purgeSubjects(['1e3', ' 7', '-']))).toEqual({ '1e3': 0, ' 7': 0, '-': 0 });
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM im_push_certificate')).toBe(6);
  });

  it('purges subjects by a character column, comparing strings', async () => {
    await store.pool.query('CREATE TABLE tagged (id INT AUTO_INCREMENT PRIMARY KEY, owner VARCHAR(32) NOT NULL, KEY idx_owner (owner))');
    await store.pool.query("INSERT INTO tagged (owner) VALUES ('1400000101'), ('1400000101'), ('01400000101'), ('1400000102')");
    const purger = store.subjectPurger(mysqlTarget({ table: 'tagged', subject: 'owner' }), { zone: 'UTC' });
    expect(Object.fromEntries(await purger.purgeSubjects(['1400000101']))).toEqual({ '1400000101': 2 });
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM tagged')).toBe(2);
  });
});
