import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase, insertNumbered, type TestDatabase } from '../../support/mysql.js';
import type { MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import { countRows, drain, mysqlTarget, testStore } from './mysql-fixtures.js';

const CUTOFF = new Date('2024-03-10T12:00:00.500Z');
const ms = (offset: number) => new Date(CUTOFF.getTime() + offset);
const DAY = 86_400_000;

let db: TestDatabase;
let store: MysqlStore;

beforeAll(async () => {
  db = await createTestDatabase('mysql_age');
  store = testStore(db.url);
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

async function remainingIds(table: string): Promise<string[]> {
  const [rows] = await store.pool.query(`SELECT id FROM ${table} ORDER BY id`);
  return (rows as Array<{ id: string | number }>).map((r) => String(r.id));
}

describe('MySQL age purge: the cutoff boundary, to the millisecond', () => {
  it.each(['DATETIME(3)', 'TIMESTAMP(3)'])('deletes a %s row 1 ms before the cutoff and keeps the rows at and after it', async (type) => {
    const table = `boundary_${type.startsWith('D') ? 'datetime' : 'timestamp'}`;
    await store.pool.query(`CREATE TABLE ${table} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at ${type} NULL, KEY idx_at (at))`);
    await store.pool.query(`INSERT INTO ${table} (id, at) VALUES (1, ?), (2, ?), (3, ?), (4, ?), (5, NULL)`, [
      ms(-DAY),
      ms(-1),
      ms(0),
      ms(1),
    ]);
    const purger = store.agePurger(mysqlTarget({ table, time: 'at' }));
    await purger.check();
    expect(await purger.count(CUTOFF)).toEqual({ due: 2, total: 5, unusableTime: 1 });
    const { deleted } = await drain(purger.openWalk(CUTOFF));
    expect(deleted).toBe(2);
    expect(await remainingIds(table)).toEqual(['3', '4', '5']);
  });

  it('deletes an epoch_ms row 1 ms before the cutoff and keeps the rows at and after it', async () => {
    await store.pool.query('CREATE TABLE boundary_epoch_ms (id INT PRIMARY KEY, at BIGINT NULL, KEY idx_at (at))');
    const t = CUTOFF.getTime();
    await store.pool.query('INSERT INTO boundary_epoch_ms VALUES (1, ?), (2, ?), (3, ?), (4, ?), (5, NULL)', [t - DAY, t - 1, t, t + 1]);
    const purger = store.agePurger(mysqlTarget({ table: 'boundary_epoch_ms', time: 'at', timeFormat: 'epoch_ms' }));
    expect(await purger.count(CUTOFF)).toEqual({ due: 2, total: 5, unusableTime: 1 });
    expect((await drain(purger.openWalk(CUTOFF))).deleted).toBe(2);
    expect(await remainingIds('boundary_epoch_ms')).toEqual(['3', '4', '5']);
  });

  it('deletes an epoch_s row 1 s before a whole-second cutoff and keeps the row at it', async () => {
    await store.pool.query('CREATE TABLE boundary_epoch_s (id INT PRIMARY KEY, at INT UNSIGNED NOT NULL, KEY idx_at (at))');
    const cutoff = new Date('2024-03-10T12:00:00.000Z');
    const s = cutoff.getTime() / 1000;
    await store.pool.query('INSERT INTO boundary_epoch_s VALUES (1, ?), (2, ?), (3, ?), (4, ?)', [s - 86_400, s - 1, s, s + 1]);
    const purger = store.agePurger(mysqlTarget({ table: 'boundary_epoch_s', time: 'at', timeFormat: 'epoch_s' }));
    expect(await purger.count(cutoff)).toEqual({ due: 2, total: 4, unusableTime: 0 });
    // With a cutoff 500 ms into second s, the row stamped s (= s.000) is before it, s + 1 is not.
    expect((await purger.count(new Date(cutoff.getTime() + 500))).due).toBe(3);
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(2);
    expect(await remainingIds('boundary_epoch_s')).toEqual(['3', '4']);
  });
});

describe('MySQL age purge: walking the table', () => {
  it('steps through primary-key ranges in several batches when ids follow time', async () => {
    await store.pool.query(
      'CREATE TABLE follows (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))',
    );
    // 1,500 rows one minute apart, ids in time order; the first 1,000 are due.
    const start = CUTOFF.getTime() - 1000 * 60_000;
    await insertNumbered(store.pool, 1500, 'follows (id, at)', (n) => `${n} + 1, FROM_UNIXTIME(${start / 1000} + ${n} * 60)`);
    const purger = store.agePurger(mysqlTarget({ table: 'follows', time: 'at', batchSize: 100 }));
    expect((await purger.count(CUTOFF)).due).toBe(1000);
    const walk = purger.openWalk(CUTOFF);
    const { deleted, batches } = await drain(walk);
    expect(walk.mode).toBe('range');
    expect(deleted).toBe(1000);
    expect(batches).toBeGreaterThanOrEqual(10);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM follows')).toBe(500);
    expect(await countRows(store.pool, 'SELECT MIN(at) < ? FROM follows', [CUTOFF])).toBe(0);
  });

  it('walks the time index when the oldest due rows were back-filled with the highest ids', async () => {
    await store.pool.query(
      'CREATE TABLE backfilled (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))',
    );
    const start = CUTOFF.getTime() - 1000 * 60_000;
    await insertNumbered(store.pool, 1500, 'backfilled (id, at)', (n) => `${n} + 1, FROM_UNIXTIME(${start / 1000} + ${n} * 60)`);
    await insertNumbered(store.pool, 20, 'backfilled (id, at)', (n) => `${n} + 5001, FROM_UNIXTIME(${start / 1000} - 3600 - ${n})`);
    const purger = store.agePurger(mysqlTarget({ table: 'backfilled', time: 'at', batchSize: 100 }));
    const walk = purger.openWalk(CUTOFF);
    expect((await drain(walk)).deleted).toBe(1020);
    expect(walk.mode).toBe('index');
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM backfilled')).toBe(500);
  });

  it('walks the time index when ids run against time, with the same exact result', async () => {
    await store.pool.query('CREATE TABLE against (id BIGINT UNSIGNED PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))');
    // Newest rows have the smallest ids (a back-filled table): id 1 is the newest.
    const end = CUTOFF.getTime() + 500 * 60_000;
    await insertNumbered(store.pool, 1500, 'against (id, at)', (n) => `${n} + 1, FROM_UNIXTIME(${end / 1000} - ${n} * 60)`);
    const purger = store.agePurger(mysqlTarget({ table: 'against', time: 'at', batchSize: 100 }));
    const due = (await purger.count(CUTOFF)).due;
    expect(due).toBe(999);
    const walk = purger.openWalk(CUTOFF);
    const { deleted, batches } = await drain(walk);
    expect(walk.mode).toBe('index');
    expect(deleted).toBe(due);
    expect(batches).toBeGreaterThanOrEqual(10);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM against WHERE at < ?', [CUTOFF])).toBe(0);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM against')).toBe(1500 - due);
  });

  it('walks the time index when due and kept rows interleave in id order', async () => {
    await store.pool.query('CREATE TABLE interleaved (id BIGINT UNSIGNED PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))');
    // Odd ids are a day old, even ids a day new: half of every id range is kept.
    await insertNumbered(
      store.pool,
      2000,
      'interleaved (id, at)',
      (n) => `${n} + 1, IF(${n} % 2 = 0, '2024-03-09 12:00:00', '2024-03-11 12:00:00')`,
    );
    const purger = store.agePurger(mysqlTarget({ table: 'interleaved', time: 'at', batchSize: 100 }));
    const walk = purger.openWalk(CUTOFF);
    expect((await drain(walk)).deleted).toBe(1000);
    expect(walk.mode).toBe('index');
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM interleaved WHERE id % 2 = 0')).toBe(1000);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM interleaved')).toBe(1000);
  });

  it('sweeps the stragglers a range walk misses: old rows with ids beyond the due range', async () => {
    await store.pool.query(
      'CREATE TABLE stragglers (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))',
    );
    const start = CUTOFF.getTime() - 1000 * 60_000;
    await insertNumbered(store.pool, 1500, 'stragglers (id, at)', (n) => `${n} + 1, FROM_UNIXTIME(${start / 1000} + ${n} * 60)`);
    // Back-filled late: ids 5001–5020 carry times from inside the due range.
    await insertNumbered(store.pool, 20, 'stragglers (id, at)', (n) => `${n} + 5001, FROM_UNIXTIME(${start / 1000} + 6000 + ${n})`);
    const purger = store.agePurger(mysqlTarget({ table: 'stragglers', time: 'at', batchSize: 100 }));
    expect((await purger.count(CUTOFF)).due).toBe(1020);
    const walk = purger.openWalk(CUTOFF);
    const phases = new Set<string>();
    let deleted = 0;
    for (;;) {
      const r = await walk.nextBatch();
      phases.add(walk.phase);
      deleted += r.deleted;
      if (r.done) break;
    }
    expect(walk.mode).toBe('range');
    expect(phases.has('sweep')).toBe(true);
    expect(deleted).toBe(1020);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM stragglers WHERE at < ?', [CUTOFF])).toBe(0);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM stragglers')).toBe(500);
  });

  it('jumps over a gap of a trillion ids instead of stepping through it', async () => {
    await store.pool.query('CREATE TABLE gap (id BIGINT UNSIGNED PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))');
    await insertNumbered(
      store.pool,
      300,
      'gap (id, at)',
      (n) => `IF(${n} < 150, ${n} + 1, 1000000000000 + ${n}), FROM_UNIXTIME(${ms(-DAY).getTime() / 1000} + ${n})`,
    );
    await store.pool.query('INSERT INTO gap VALUES (2000000000000, ?)', [ms(DAY)]);
    const purger = store.agePurger(mysqlTarget({ table: 'gap', time: 'at', batchSize: 100 }));
    const walk = purger.openWalk(CUTOFF);
    const { deleted, batches } = await drain(walk, 50);
    expect(walk.mode).toBe('range');
    expect(deleted).toBe(300);
    expect(batches).toBeLessThan(10);
  });

  it('resumes exactly inside a run of rows sharing one timestamp, across batches (composite primary key)', async () => {
    await store.pool.query(
      'CREATE TABLE composite (tenant INT NOT NULL, seq INT NOT NULL, at DATETIME(6) NOT NULL, PRIMARY KEY (tenant, seq), KEY idx_at (at))',
    );
    // 250 due rows all at the same microsecond, 50 kept.
    await insertNumbered(store.pool, 250, 'composite (tenant, seq, at)', (n) => `${n} % 3, ${n}, '2024-03-09 00:00:00.123456'`);
    await insertNumbered(store.pool, 50, 'composite (tenant, seq, at)', (n) => `7, ${n}, '2024-03-10 12:00:00.500000'`);
    const purger = store.agePurger(mysqlTarget({ table: 'composite', time: 'at', batchSize: 100 }));
    const walk = purger.openWalk(CUTOFF);
    const { deleted, batches } = await drain(walk);
    expect(walk.mode).toBe('index');
    expect(deleted).toBe(250);
    expect(batches).toBe(3);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM composite')).toBe(50);
  });

  it('walks the primary key itself when the time column leads it', async () => {
    await store.pool.query('CREATE TABLE time_keyed (ts BIGINT NOT NULL, seq INT NOT NULL, PRIMARY KEY (ts, seq))');
    const t = CUTOFF.getTime();
    await insertNumbered(store.pool, 400, 'time_keyed (ts, seq)', (n) => `${t} - 200 + FLOOR(${n} / 2), ${n} % 2`);
    await store.pool.query('INSERT INTO time_keyed VALUES (?, 0)', [t]);
    const purger = store.agePurger(mysqlTarget({ table: 'time_keyed', time: 'ts', timeFormat: 'epoch_ms', batchSize: 100 }));
    await purger.check();
    const walk = purger.openWalk(CUTOFF);
    expect((await drain(walk)).deleted).toBe(400);
    expect(walk.mode).toBe('index');
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM time_keyed')).toBe(1);
  });

  it('grows its chunks when they are fast (adaptive batch size) and still deletes exactly', async () => {
    const adaptive = testStore(db.url, { adaptiveBatchSize: true });
    try {
      await store.pool.query(
        'CREATE TABLE adaptive (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))',
      );
      await insertNumbered(store.pool, 5000, 'adaptive (id, at)', (n) => `${n} + 1, FROM_UNIXTIME(${ms(-DAY).getTime() / 1000} + ${n})`);
      const walk = adaptive.agePurger(mysqlTarget({ table: 'adaptive', time: 'at', batchSize: 100 })).openWalk(CUTOFF);
      const { deleted, batches } = await drain(walk);
      expect(deleted).toBe(5000);
      // 50 batches at a fixed 100; fast chunks grow towards 1,000.
      expect(batches).toBeLessThan(50);
    } finally {
      await adaptive.close();
    }
  });
});

describe('MySQL age purge: unusable times and edge tables', () => {
  it('never deletes NULL times or zero dates, and counts them as unusable', async () => {
    await store.pool.query('CREATE TABLE unusable (id INT PRIMARY KEY, at DATETIME(3) NULL, KEY idx_at (at))');
    const conn = await store.pool.getConnection();
    try {
      // A non-strict session, as on servers that still accept zero dates.
      await conn.query("SET SESSION sql_mode = ''");
      await conn.query("INSERT INTO unusable VALUES (1, NULL), (2, '0000-00-00 00:00:00'), (3, ?), (4, ?)", [ms(-DAY), ms(DAY)]);
      await conn.query('SET SESSION sql_mode = DEFAULT');
    } finally {
      conn.release();
    }
    const purger = store.agePurger(mysqlTarget({ table: 'unusable', time: 'at' }));
    expect(await purger.count(CUTOFF)).toEqual({ due: 1, total: 4, unusableTime: 2 });
    const inspection = await purger.inspect(CUTOFF);
    expect(inspection).toEqual({ oldest: ms(-DAY), overdue: 1, unusableTime: 2 });
    expect((await drain(purger.openWalk(CUTOFF))).deleted).toBe(1);
    expect(await remainingIds('unusable')).toEqual(['1', '2', '4']);
  });

  it('handles an empty table: nothing due, the walk ends at once, no oldest record', async () => {
    await store.pool.query(
      'CREATE TABLE empty_log (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))',
    );
    const purger = store.agePurger(mysqlTarget({ table: 'empty_log', time: 'at' }));
    expect(await purger.count(CUTOFF)).toEqual({ due: 0, total: 0, unusableTime: 0 });
    expect(await purger.openWalk(CUTOFF).nextBatch()).toEqual({ deleted: 0, done: true });
    expect(await purger.inspect(CUTOFF)).toEqual({ oldest: null, overdue: 0, unusableTime: 0 });
  });

  it('empties a table whose rows are all due', async () => {
    await store.pool.query('CREATE TABLE all_old (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at BIGINT NOT NULL, KEY idx_at (at))');
    await insertNumbered(store.pool, 777, 'all_old (id, at)', (n) => `${n} + 1, ${ms(-DAY).getTime()} + ${n}`);
    const purger = store.agePurger(mysqlTarget({ table: 'all_old', time: 'at', timeFormat: 'epoch_ms', batchSize: 100 }));
    const walk = purger.openWalk(CUTOFF);
    expect((await drain(walk)).deleted).toBe(777);
    expect(await purger.count(CUTOFF)).toEqual({ due: 0, total: 0, unusableTime: 0 });
  });

  it('reports the oldest remaining record and the overdue count for epoch_s', async () => {
    await store.pool.query('CREATE TABLE inspect_s (id INT PRIMARY KEY, at INT NULL, KEY idx_at (at))');
    const s = Math.floor(CUTOFF.getTime() / 1000);
    await store.pool.query('INSERT INTO inspect_s VALUES (1, ?), (2, ?), (3, NULL)', [s - 10, s + 10]);
    const inspection = await store.agePurger(mysqlTarget({ table: 'inspect_s', time: 'at', timeFormat: 'epoch_s' })).inspect(CUTOFF);
    expect(inspection).toEqual({ oldest: new Date((s - 10) * 1000), overdue: 1, unusableTime: 1 });
  });

  it('a second walk over an already purged table deletes nothing', async () => {
    await store.pool.query('CREATE TABLE twice (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))');
    await insertNumbered(store.pool, 300, 'twice (id, at)', (n) => `${n} + 1, FROM_UNIXTIME(${ms(-DAY).getTime() / 1000} + ${n} * 600)`);
    const purger = store.agePurger(mysqlTarget({ table: 'twice', time: 'at', batchSize: 50 }));
    const first = await drain(purger.openWalk(CUTOFF));
    expect(first.deleted).toBe(144);
    expect(await drain(purger.openWalk(CUTOFF))).toEqual({ deleted: 0, batches: 1 });
  });
});
