import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { RefusalError } from '../../../src/errors/refusal-error.js';
import type { MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import type { MysqlTargetConfig } from '../../../src/config/schema.js';
import { countRows, mysqlTarget, testStore } from './mysql-fixtures.js';

let db: TestDatabase;
let store: MysqlStore;

beforeAll(async () => {
  db = await createTestDatabase('mysql_check');
  store = testStore(db.url);
  for (const ddl of [
    'CREATE TABLE good (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at DATETIME(3) NULL, ms BIGINT NULL, s INT NULL, label VARCHAR(20), app_id BIGINT UNSIGNED, KEY idx_at (at), KEY idx_ms (ms), KEY idx_s (s), KEY idx_label (label), KEY idx_app (app_id))',
    'CREATE TABLE no_pk (at DATETIME(3) NOT NULL, app_id BIGINT UNSIGNED NOT NULL, KEY idx_at (at), KEY idx_app (app_id))',
    'CREATE TABLE no_index (id INT PRIMARY KEY, at DATETIME(3) NOT NULL, app_id BIGINT UNSIGNED NOT NULL)',
    'CREATE TABLE second_in_index (id INT PRIMARY KEY, app_id INT NOT NULL, at DATETIME(3) NOT NULL, KEY idx_app_at (app_id, at))',
    'CREATE TABLE nullable_tail (id INT PRIMARY KEY, at DATETIME(3) NOT NULL, note VARCHAR(10) NULL, KEY idx_at_note (at, note))',
    'CREATE TABLE odd_subject (id INT PRIMARY KEY, born DATETIME(3) NOT NULL, KEY idx_born (born))',
  ]) {
    await store.pool.query(ddl);
  }
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

async function ageRefusal(fields: Partial<MysqlTargetConfig> & { table: string }): Promise<RefusalError> {
  const err = await store
    .agePurger(mysqlTarget(fields))
    .check()
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(RefusalError);
  return err as RefusalError;
}

async function subjectRefusal(fields: Partial<MysqlTargetConfig> & { table: string }): Promise<RefusalError> {
  const err = await store
    .subjectPurger(mysqlTarget(fields), { zone: 'UTC' })
    .check()
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(RefusalError);
  return err as RefusalError;
}

describe('MySQL target check: refusals before anything is deleted', () => {
  it('accepts a table with a primary key and an index led by the time column, for every time format', async () => {
    await store.agePurger(mysqlTarget({ table: 'good', time: 'at' })).check();
    await store.agePurger(mysqlTarget({ table: 'good', time: 'ms', timeFormat: 'epoch_ms' })).check();
    await store.agePurger(mysqlTarget({ table: 'good', time: 's', timeFormat: 'epoch_s' })).check();
    await store.subjectPurger(mysqlTarget({ table: 'good', subject: 'app_id' }), { zone: 'UTC' }).check();
  });

  it('refuses an unknown table', async () => {
    const err = await ageRefusal({ table: 'nope', time: 'at' });
    expect(err.reason).toBe('unknown-table');
    expect(err.message).toContain('nope');
  });

  it('refuses an unknown time column and an unknown subject column', async () => {
    expect((await ageRefusal({ table: 'good', time: 'created' })).reason).toBe('unknown-column');
    expect((await subjectRefusal({ table: 'good', subject: 'tenant' })).reason).toBe('unknown-column');
  });

  it('refuses a table without a primary key', async () => {
    expect((await ageRefusal({ table: 'no_pk', time: 'at' })).reason).toBe('no-primary-key');
    expect((await subjectRefusal({ table: 'no_pk', subject: 'app_id' })).reason).toBe('no-primary-key');
  });

  it('refuses a time column that leads no index, even one it appears in second', async () => {
    const err = await ageRefusal({ table: 'no_index', time: 'at' });
    expect(err.reason).toBe('no-index');
    expect(err.message).toContain('at');
    expect((await ageRefusal({ table: 'second_in_index', time: 'at' })).reason).toBe('no-index');
  });

  it('refuses an index whose walk would compare a nullable column', async () => {
    const err = await ageRefusal({ table: 'nullable_tail', time: 'at' });
    expect(err.reason).toBe('no-index');
    expect(err.message).toContain('nullable');
  });

  it('refuses a subject column that leads no index', async () => {
    expect((await subjectRefusal({ table: 'no_index', subject: 'app_id' })).reason).toBe('no-index');
  });

  it('refuses time columns whose type does not match timeFormat', async () => {
    expect((await ageRefusal({ table: 'good', time: 'ms', timeFormat: 'datetime' })).reason).toBe('type-mismatch');
    expect((await ageRefusal({ table: 'good', time: 'at', timeFormat: 'epoch_ms' })).reason).toBe('type-mismatch');
    expect((await ageRefusal({ table: 'good', time: 'label', timeFormat: 'epoch_s' })).reason).toBe('type-mismatch');
  });

  it('refuses a subject column that is not an integer, decimal or character column', async () => {
    expect((await subjectRefusal({ table: 'odd_subject', subject: 'born' })).reason).toBe('type-mismatch');
  });

  it('refuses on the first batch of a walk, deleting nothing', async () => {
    await store.pool.query("INSERT INTO no_index VALUES (1, '2000-01-01 00:00:00', 1)");
    const walk = store.agePurger(mysqlTarget({ table: 'no_index', time: 'at' })).openWalk(new Date());
    await expect(walk.nextBatch()).rejects.toBeInstanceOf(RefusalError);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM no_index')).toBe(1);
  });

  it('checks again after a refusal: an index added since is found', async () => {
    await store.pool.query('CREATE TABLE fixed_later (id INT PRIMARY KEY, at DATETIME(3) NOT NULL)');
    const purger = store.agePurger(mysqlTarget({ table: 'fixed_later', time: 'at' }));
    await expect(purger.check()).rejects.toBeInstanceOf(RefusalError);
    await store.pool.query('ALTER TABLE fixed_later ADD KEY idx_at (at)');
    await purger.check();
  });
});
