import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import type { MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import type { PartitionChange } from '../../../src/types.js';
import type { PurgeWalk } from '../../../src/stores/purger.js';
import { RefusalError } from '../../../src/errors/refusal-error.js';
import { DEFAULT_MYSQL_PARTITIONS } from '../../../src/config/schema.js';
import { StoreError } from '../../../src/errors/store-error.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { planAgeTarget, type AgeTargetPlan } from '../../../src/stores/mysql/check-target.js';
import { readPartitionLayout } from '../../../src/stores/mysql/partition-layout.js';
import { countEachExchanged, duePartitions, removePartitions } from '../../../src/stores/mysql/partition-purge.js';
import { createStagingTables, stagingPrefix } from '../../../src/stores/mysql/staging-tables.js';
import type { MysqlStoreContext } from '../../../src/stores/mysql/store-context.js';
import { readTableShape } from '../../../src/stores/mysql/table-shape.js';
import { countRows, mysqlTarget, testStore } from './mysql-fixtures.js';
import { pino } from 'pino';
import { createMysqlStore } from '../../../src/stores/mysql/mysql-store.js';

// Partitions by day: p0101 < 2026-01-02, p0102 < 2026-01-03, p0103 < 2026-01-04, pmax.
const DAYS = ['2026-01-02', '2026-01-03', '2026-01-04'];
const at = (iso: string) => new Date(iso);

let db: TestDatabase;
let store: MysqlStore;

beforeAll(async () => {
  db = await createTestDatabase('mysql_partitions');
  store = testStore(db.url);
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

async function createDaily(table: string, how: 'to_days' | 'columns', column = 'DATETIME(3) NOT NULL'): Promise<void> {
  const spec =
    how === 'to_days'
      ? `PARTITION BY RANGE (TO_DAYS(at)) (${DAYS.map((d, i) => `PARTITION p${i} VALUES LESS THAN (TO_DAYS('${d}'))`).join(', ')}, PARTITION pmax VALUES LESS THAN MAXVALUE)`
      : `PARTITION BY RANGE COLUMNS (at) (${DAYS.map((d, i) => `PARTITION p${i} VALUES LESS THAN ('${d}')`).join(', ')}, PARTITION pmax VALUES LESS THAN (MAXVALUE))`;
  await store.pool.query(
    `CREATE TABLE ${table} (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, at ${column}, note VARCHAR(20), PRIMARY KEY (id, at), KEY idx_at (at)) ${spec}`,
  );
}

async function partitionNames(table: string): Promise<string[]> {
  const [rows] = await store.pool.query(
    'SELECT PARTITION_NAME AS name FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY PARTITION_ORDINAL_POSITION',
    [db.name, table],
  );
  return (rows as Array<{ name: string }>).map((r) => r.name);
}

async function insertTimes(table: string, times: Date[]): Promise<void> {
  await store.pool.query(`INSERT INTO ${table} (at) VALUES ${times.map(() => '(?)').join(', ')}`, times);
}

/** Drains a walk, collecting its partition changes. */
async function drainChanges(walk: PurgeWalk): Promise<{ deleted: number; changes: PartitionChange[] }> {
  let deleted = 0;
  const changes: PartitionChange[] = [];
  for (let i = 0; i < 10_000; i += 1) {
    const batch = await walk.nextBatch();
    deleted += batch.deleted;
    changes.push(...(batch.partitions ?? []));
    if (batch.done) return { deleted, changes };
  }
  throw new Error('walk did not finish');
}

describe('MySQL partitions: dropping whole partitions before the cutoff', () => {
  it('drops the wholly due partitions with exact row counts and walks the boundary partition row by row', async () => {
    await createDaily('daily', 'to_days');
    await insertTimes('daily', [
      ...Array.from({ length: 5 }, (_, i) => at(`2026-01-01T0${i}:00:00Z`)),
      ...Array.from({ length: 3 }, (_, i) => at(`2026-01-02T0${i}:00:00Z`)),
      at('2026-01-03T05:59:59.999Z'), // boundary partition, due
      at('2026-01-03T06:00:00.000Z'), // at the cutoff: kept
      at('2026-01-05T00:00:00Z'), // pmax
    ]);
    const cutoff = at('2026-01-03T06:00:00.000Z');
    const purger = store.agePurger(mysqlTarget({ table: 'daily', time: 'at' }));
    await purger.check();
    expect(await purger.count(cutoff)).toMatchObject({
      due: 9,
      total: 11,
      partitions: [
        { name: 'p0', action: 'would-drop', rows: 5, lessThan: '739983' },
        { name: 'p1', action: 'would-drop', rows: 3, lessThan: '739984' },
      ],
    });
    const { deleted, changes } = await drainChanges(purger.openWalk(cutoff));
    expect(changes).toEqual([
      { name: 'p0', action: 'dropped', rows: 5, lessThan: '739983' },
      { name: 'p1', action: 'dropped', rows: 3, lessThan: '739984' },
    ]);
    expect(deleted).toBe(9);
    expect(await partitionNames('daily')).toEqual(['p2', 'pmax']);
    const [left] = await store.pool.query('SELECT at FROM daily ORDER BY at');
    expect((left as Array<{ at: Date }>).map((r) => r.at.toISOString())).toEqual(['2026-01-03T06:00:00.000Z', '2026-01-05T00:00:00.000Z']);
  });

  it('with exchange: false, drops the due partitions in one statement, with their exact counts', async () => {
    await createDaily('daily_one', 'columns');
    await insertTimes('daily_one', [
      at('2026-01-01T01:00:00Z'),
      at('2026-01-02T01:00:00Z'),
      at('2026-01-02T02:00:00Z'),
      at('2026-01-05T00:00:00Z'),
    ]);
    const cutoff = at('2026-01-03T06:00:00.000Z');
    const purger = store.agePurger(
      mysqlTarget({ table: 'daily_one', time: 'at', partitions: { ...DEFAULT_MYSQL_PARTITIONS, exchange: false } }),
    );
    await purger.check();
    const { deleted, changes } = await drainChanges(purger.openWalk(cutoff));
    expect(changes.map((c) => [c.name, c.action, c.rows])).toEqual([
      ['p0', 'dropped', 1],
      ['p1', 'dropped', 2],
    ]);
    expect(deleted).toBe(3);
    expect(await partitionNames('daily_one')).toEqual(['p2', 'pmax']);
  });

  it('without CREATE on the database (no staging tables), drops the due partitions in one statement, with their exact counts, and still reports what an earlier run left', async () => {
    await createDaily('no_create', 'columns');
    await insertTimes('no_create', [at('2026-01-01T01:00:00Z'), at('2026-01-02T01:00:00Z'), at('2026-01-05T00:00:00Z')]);
    // A staging table an earlier run (with CREATE) left holding 3 rows: dropped and counted before the new ones fail.
    const leftover = `${stagingPrefix('no_create')}0`;
    await store.pool.query(`CREATE TABLE \`${leftover}\` (id INT)`);
    await store.pool.query(`INSERT INTO \`${leftover}\` VALUES (1), (2), (3)`);
    // A user of this test's own, with every grant the purge needs but CREATE; dropped afterwards.
    const user = `rt_nc_${db.name.slice(-8)}`;
    await store.pool.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
    const warnings: string[] = [];
    const limited = createMysqlStore(
      {
        url: db.url.replace('mysql://root@', `mysql://${user}:pw@`),
        lockWaitTimeoutSeconds: 2,
        metadataLockWaitTimeoutSeconds: 5,
        replicas: [],
        maxReplicaLagSeconds: 10,
        adaptiveBatchSize: false,
      },
      pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
    );
    try {
      await store.pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE, ALTER, DROP, LOCK TABLES ON \`${db.name}\`.* TO '${user}'@'127.0.0.1'`);
      const cutoff = at('2026-01-03T06:00:00.000Z');
      const purger = limited.agePurger(mysqlTarget({ table: 'no_create', time: 'at' }));
      await purger.check();
      const { deleted, changes } = await drainChanges(purger.openWalk(cutoff));
      expect(changes.map((c) => [c.name, c.action, c.rows, c.reason])).toEqual([
        [leftover, 'dropped', 3, 'left-by-interrupted-run'],
        ['p0', 'dropped', 1, undefined],
        ['p1', 'dropped', 1, undefined],
      ]);
      expect(deleted).toBe(5);
      expect(await partitionNames('no_create')).toEqual(['p2', 'pmax']);
      expect(await stagingTablesOf('no_create')).toEqual([]);
      // The one-statement path was taken because the staging tables could not be made.
      expect(warnings.some((w) => w.includes('staging tables not created'))).toBe(true);
    } finally {
      await limited.close();
      await store.pool.query(`DROP USER '${user}'@'127.0.0.1'`);
    }
  });

  it('at the exact boundary: a partition whose bound equals the cutoff goes, one whose bound is 1 ms later stays', async () => {
    await store.pool.query(
      `CREATE TABLE edge (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, at DATETIME(3) NOT NULL, PRIMARY KEY (id, at), KEY idx_at (at))
       PARTITION BY RANGE COLUMNS (at) (PARTITION below VALUES LESS THAN ('2026-01-02 00:00:00.000'),
         PARTITION above VALUES LESS THAN ('2026-01-02 00:00:00.001'), PARTITION pmax VALUES LESS THAN (MAXVALUE))`,
    );
    await insertTimes('edge', [at('2026-01-01T23:59:59.999Z'), at('2026-01-02T00:00:00.000Z'), at('2026-01-02T00:00:00.001Z')]);
    const purger = store.agePurger(mysqlTarget({ table: 'edge', time: 'at' }));
    const { deleted, changes } = await drainChanges(purger.openWalk(at('2026-01-02T00:00:00.000Z')));
    expect(changes.map((c) => [c.name, c.action, c.rows])).toEqual([['below', 'dropped', 1]]);
    expect(deleted).toBe(1);
    expect(await partitionNames('edge')).toEqual(['above', 'pmax']);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM edge')).toBe(2);

    // 1 ms before midnight nothing is wholly due: the row at 23:59:59.999 is at the cutoff.
    await store.pool.query('DROP TABLE edge');
    await createDaily('edge', 'to_days');
    await insertTimes('edge', [at('2026-01-01T23:59:59.998Z'), at('2026-01-01T23:59:59.999Z')]);
    const early = store.agePurger(mysqlTarget({ table: 'edge', time: 'at' }));
    const result = await drainChanges(early.openWalk(at('2026-01-01T23:59:59.999Z')));
    expect(result).toEqual({ deleted: 1, changes: [] });
    expect(await partitionNames('edge')).toEqual(['p0', 'p1', 'p2', 'pmax']);
  });

  it('truncates instead of dropping by option, and leaves empty partitions alone', async () => {
    await createDaily('trunc', 'columns');
    await insertTimes('trunc', [at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z'), at('2026-01-04T10:00:00Z')]);
    const purger = store.agePurger(
      mysqlTarget({
        table: 'trunc',
        time: 'at',
        partitions: { ...DEFAULT_MYSQL_PARTITIONS, action: 'truncate' },
      }),
    );
    const { changes } = await drainChanges(purger.openWalk(at('2026-01-03T00:00:00Z')));
    expect(changes).toEqual([{ name: 'p0', action: 'truncated', rows: 2, lessThan: "'2026-01-02'" }]);
    expect(await partitionNames('trunc')).toEqual(['p0', 'p1', 'p2', 'pmax']);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM trunc')).toBe(1);
  });

  it('never drops a partition holding a zero date (a row it cannot date): the row walk handles it', async () => {
    // A partitioned table's primary key holds the time column, so the time is NOT NULL; but a
    // non-strict session can still store '0000-00-00', which TO_DAYS maps to NULL: the first partition.
    await createDaily('zero', 'to_days');
    await insertTimes('zero', [at('2026-01-01T10:00:00Z')]);
    const conn = await createConnection(db.url);
    await conn.query("SET SESSION sql_mode = ''");
    await conn.query("INSERT INTO zero (at) VALUES ('0000-00-00 00:00:00')");
    await conn.end();
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM zero PARTITION (p0)')).toBe(2);
    const purger = store.agePurger(mysqlTarget({ table: 'zero', time: 'at' }));
    const { deleted, changes } = await drainChanges(purger.openWalk(at('2026-01-03T00:00:00Z')));
    expect(changes.map((c) => [c.name, c.action, c.reason])).toEqual([
      ['p0', 'skipped', 'unusable-time-rows'],
      ['p1', 'dropped', undefined],
    ]);
    expect(deleted).toBe(1);
    expect(await countRows(store.pool, "SELECT COUNT(*) FROM zero WHERE at < '1000-01-01'")).toBe(1);
  });
});

describe('MySQL partitions: refusals', () => {
  it.each([
    ['HASH', 'PARTITION BY HASH (id) PARTITIONS 2', /partitioned by HASH/],
    ['KEY', 'PARTITION BY KEY (id) PARTITIONS 2', /partitioned by KEY/],
    ['LIST', 'PARTITION BY LIST (id) (PARTITION a VALUES IN (1,2,3), PARTITION b VALUES IN (4,5,6))', /partitioned by LIST/],
    [
      'RANGE on another column',
      'PARTITION BY RANGE (id) (PARTITION a VALUES LESS THAN (10), PARTITION b VALUES LESS THAN MAXVALUE)',
      /not by its time column at/,
    ],
    [
      'an expression it cannot read',
      'PARTITION BY RANGE (YEAR(at)) (PARTITION a VALUES LESS THAN (2026), PARTITION b VALUES LESS THAN MAXVALUE)',
      /cannot read/,
    ],
    [
      'subpartitions',
      "PARTITION BY RANGE (TO_DAYS(at)) SUBPARTITION BY HASH (id) SUBPARTITIONS 2 (PARTITION a VALUES LESS THAN (TO_DAYS('2026-01-02')), PARTITION b VALUES LESS THAN MAXVALUE)",
      /subpartitions/,
    ],
  ])('refuses %s before deleting anything, and purges row by row with action off', async (label, spec, message) => {
    const table = `refused_${label.replace(/\W+/g, '_')}`.slice(0, 60);
    await store.pool.query(
      `CREATE TABLE ${table} (id INT NOT NULL, at DATETIME(3) NOT NULL, PRIMARY KEY (id, at), KEY idx_at (at)) ${spec}`,
    );
    await store.pool.query(`INSERT INTO ${table} VALUES (1, '2025-12-01'), (2, '2026-02-01')`);
    const purger = store.agePurger(mysqlTarget({ table, time: 'at' }));
    const refusal = await purger.check().catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(RefusalError);
    expect((refusal as RefusalError).reason).toBe('partitioning');
    expect((refusal as Error).message).toMatch(message);
    expect(await countRows(store.pool, `SELECT COUNT(*) FROM ${table}`)).toBe(2);

    const rowWise = store.agePurger(
      mysqlTarget({
        table,
        time: 'at',
        partitions: { ...DEFAULT_MYSQL_PARTITIONS, action: 'off' },
      }),
    );
    await rowWise.check();
    expect((await drainChanges(rowWise.openWalk(at('2026-01-01T00:00:00Z')))).deleted).toBe(1);
  });
});

describe('MySQL partitions: pre-creation', () => {
  it('splits future daily partitions off MAXVALUE, once', async () => {
    await createDaily('premade', 'to_days');
    await insertTimes('premade', [at('2026-01-09T10:00:00Z')]); // in pmax, beyond what premake adds
    const now = at('2026-01-04T15:00:00Z');
    const options = { ...DEFAULT_MYSQL_PARTITIONS, premake: 2, interval: 'day' as const };
    const purger = store.agePurger(mysqlTarget({ table: 'premade', time: 'at', partitions: options }), { zone: 'UTC', now: () => now });
    const { changes } = await drainChanges(purger.openWalk(at('2026-01-01T00:00:00Z')));
    expect(changes.map((c) => [c.name, c.action, c.lessThan])).toEqual([
      ['p20260104', 'created', String(739986)],
      ['p20260105', 'created', String(739987)],
      ['p20260106', 'created', String(739988)],
    ]);
    expect(await partitionNames('premade')).toEqual(['p0', 'p1', 'p2', 'p20260104', 'p20260105', 'p20260106', 'pmax']);
    const [rows] = await store.pool.query('SELECT COUNT(*) AS n FROM premade PARTITION (p20260104)');
    expect(Number((rows as Array<{ n: number }>)[0]?.n)).toBe(0);
    await store.pool.query("INSERT INTO premade (at) VALUES ('2026-01-05 12:00:00')");
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM premade PARTITION (p20260105)')).toBe(1);

    const again = store.agePurger(mysqlTarget({ table: 'premade', time: 'at', partitions: options }), { zone: 'UTC', now: () => now });
    expect((await drainChanges(again.openWalk(at('2026-01-01T00:00:00Z')))).changes).toEqual([]);
  });

  it('does not reorganize a MAXVALUE partition that holds rows below the new bounds', async () => {
    await createDaily('premade_full', 'columns');
    await insertTimes('premade_full', [at('2026-01-04T10:00:00Z')]);
    const options = {
      action: 'drop' as const,
      lockWaitSeconds: 1,
      countConcurrency: 2,
      ddlPauseMs: 20,
      exchange: true,
      premake: 1,
      interval: 'day' as const,
    };
    const purger = store.agePurger(mysqlTarget({ table: 'premade_full', time: 'at', partitions: options }), {
      zone: 'UTC',
      now: () => at('2026-01-04T15:00:00Z'),
    });
    const { changes } = await drainChanges(purger.openWalk(at('2026-01-01T00:00:00Z')));
    expect(changes.map((c) => [c.action, c.reason])).toEqual([
      ['skipped', 'maxvalue-partition-holds-rows'],
      ['skipped', 'maxvalue-partition-holds-rows'],
    ]);
    expect(await partitionNames('premade_full')).toEqual(['p0', 'p1', 'p2', 'pmax']);
  });
});

describe('MySQL partitions: the metadata lock', () => {
  it('gives up within lockWaitSeconds behind a long transaction, so foreground queries never queue longer; the row walk deletes the rows', async () => {
    await createDaily('mdl', 'to_days');
    await insertTimes('mdl', [at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z'), at('2026-01-04T10:00:00Z')]);
    // The long transaction: a SELECT inside an open transaction holds a shared metadata lock.
    const holder = await createConnection(db.url);
    const foreground = await createConnection(db.url);
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT COUNT(*) FROM mdl');
      // The pool's own metadata lock wait is 30 s here: only the partition setting bounds the stall.
      const patient = testStore(db.url, { metadataLockWaitTimeoutSeconds: 30 });
      try {
        const purger = patient.agePurger(mysqlTarget({ table: 'mdl', time: 'at' }));
        let purging = true;
        const latencies: number[] = [];
        const probe = (async () => {
          while (purging) {
            const started = performance.now();
            await foreground.query('SELECT id FROM mdl WHERE at >= ? LIMIT 1', [at('2026-01-04T00:00:00Z')]);
            latencies.push(performance.now() - started);
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        const result = await drainChanges(purger.openWalk(at('2026-01-03T00:00:00Z'))).finally(() => {
          purging = false;
        });
        await probe;
        expect(result.changes).toEqual([
          { name: 'p0', action: 'skipped', rows: 0, lessThan: '739983', reason: 'metadata-lock-timeout' },
          { name: 'p1', action: 'skipped', rows: 0, lessThan: '739984', reason: 'metadata-lock-timeout' },
        ]);
        expect(result.deleted).toBe(2);
        // The foreground did queue behind the waiting lock (the probe sees stalls), but only for
        // the configured 1 s lock wait (plus scheduling slack on a shared box); without the short
        // wait it would queue until the transaction ends or the pool's 30 s pass.
        expect(latencies.length).toBeGreaterThanOrEqual(2);
        expect(Math.max(...latencies)).toBeGreaterThan(500);
        expect(Math.max(...latencies)).toBeLessThan(2_500);
      } finally {
        await patient.close();
      }
      await holder.query('COMMIT');
      // Next run, the transaction gone: the now empty partition is dropped.
      const later = store.agePurger(mysqlTarget({ table: 'mdl', time: 'at' }));
      expect((await drainChanges(later.openWalk(at('2026-01-03T00:00:00Z')))).changes.map((c) => [c.name, c.action, c.rows])).toEqual([
        ['p0', 'dropped', 0],
        ['p1', 'dropped', 0],
      ]);
    } finally {
      await holder.end();
      await foreground.end();
    }
  });
});

describe('MySQL partitions: exact counts, several at once, with the boundary walked beside them', () => {
  it.each([1, 3])(
    'counts every wholly due partition exactly with countConcurrency %i, in the dry run and in the run',
    async (countConcurrency) => {
      // Seven due days holding 1…7 rows, then the boundary day and pmax.
      const table = `many_${countConcurrency}`;
      const bounds = Array.from(
        { length: 8 },
        (_, i) => `PARTITION p${i} VALUES LESS THAN (TO_DAYS('2026-01-${String(i + 2).padStart(2, '0')}'))`,
      );
      await store.pool.query(
        `CREATE TABLE ${table} (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, at DATETIME(3) NOT NULL, PRIMARY KEY (id, at), KEY idx_at (at))
       PARTITION BY RANGE (TO_DAYS(at)) (${bounds.join(', ')}, PARTITION pmax VALUES LESS THAN MAXVALUE)`,
      );
      for (let day = 0; day < 7; day += 1) {
        await insertTimes(
          table,
          Array.from({ length: day + 1 }, (_, i) => at(`2026-01-0${day + 1}T${String(i + 1).padStart(2, '0')}:00:00Z`)),
        );
      }
      await insertTimes(table, [at('2026-01-08T01:00:00Z'), at('2026-01-08T11:59:59.999Z'), at('2026-01-08T12:00:00Z')]);
      const cutoff = at('2026-01-08T12:00:00Z');
      const options = { ...DEFAULT_MYSQL_PARTITIONS, countConcurrency };
      const purger = store.agePurger(mysqlTarget({ table, time: 'at', partitions: options }));
      const counted = await purger.count(cutoff);
      expect(counted.due).toBe(30);
      expect(counted.partitions?.map((p) => [p.name, p.action, p.rows])).toEqual(
        Array.from({ length: 7 }, (_, i) => [`p${i}`, 'would-drop', i + 1]),
      );
      const { deleted, changes } = await drainChanges(purger.openWalk(cutoff));
      expect(changes.map((c) => [c.name, c.action, c.rows])).toEqual(Array.from({ length: 7 }, (_, i) => [`p${i}`, 'dropped', i + 1]));
      expect(deleted).toBe(30);
      expect(await partitionNames(table)).toEqual(['p7', 'pmax']);
      expect(await countRows(store.pool, `SELECT COUNT(*) FROM ${table}`)).toBe(1);
    },
  );

  // Each layout puts the latest value a wholly due partition can hold next to the first value of
  // the boundary partition: the walk beside the counts must take the second and leave the first.
  it.each([
    {
      label: 'TO_DAYS on DATETIME(3)',
      column: 'DATETIME(3) NOT NULL',
      spec: "RANGE (TO_DAYS(at)) (PARTITION p0 VALUES LESS THAN (TO_DAYS('2026-01-02')), PARTITION p1 VALUES LESS THAN (TO_DAYS('2026-01-03')), PARTITION pmax VALUES LESS THAN MAXVALUE)",
      counted: ["'2026-01-01 10:00:00'", "'2026-01-01 23:59:59.999'"],
      beside: ["'2026-01-02 00:00:00.000'", "'2026-01-02 05:59:59.999'"],
      kept: ["'2026-01-02 06:00:00'"],
    },
    {
      label: 'RANGE COLUMNS on DATETIME(3), a bound inside a second',
      column: 'DATETIME(3) NOT NULL',
      spec: "RANGE COLUMNS (at) (PARTITION p0 VALUES LESS THAN ('2026-01-02 00:00:00.500'), PARTITION p1 VALUES LESS THAN ('2026-01-03'), PARTITION pmax VALUES LESS THAN (MAXVALUE))",
      counted: ["'2026-01-02 00:00:00.499'"],
      beside: ["'2026-01-02 00:00:00.500'"],
      kept: ["'2026-01-02 06:00:00'"],
    },
    {
      label: 'UNIX_TIMESTAMP on TIMESTAMP(3)',
      column: 'TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)',
      spec: 'RANGE (UNIX_TIMESTAMP(at)) (PARTITION p0 VALUES LESS THAN (1767312000), PARTITION p1 VALUES LESS THAN (1767398400), PARTITION pmax VALUES LESS THAN MAXVALUE)',
      counted: ["'2026-01-01 23:59:59.999'"],
      beside: ["'2026-01-02 00:00:00.000'"],
      kept: ["'2026-01-02 06:00:00'"],
    },
    {
      label: 'an epoch_ms column partitioned by itself',
      column: 'BIGINT NOT NULL',
      timeFormat: 'epoch_ms' as const,
      spec: 'RANGE COLUMNS (at) (PARTITION p0 VALUES LESS THAN (1767312000000), PARTITION p1 VALUES LESS THAN (1767398400000), PARTITION pmax VALUES LESS THAN (MAXVALUE))',
      counted: ['1767225600000', '1767311999999'],
      beside: ['1767312000000'],
      kept: ['1767333600000'],
    },
  ])('$label: the boundary partition is walked while the counts run; the counted partition is not touched', async (layout) => {
    const table = `beside_${layout.label.replace(/\W+/g, '_')}`.slice(0, 60);
    await store.pool.query(
      `CREATE TABLE ${table} (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, at ${layout.column}, PRIMARY KEY (id, at), KEY idx_at (at)) PARTITION BY ${layout.spec}`,
    );
    const values = [...layout.counted, ...layout.beside, ...layout.kept];
    await store.pool.query(`INSERT INTO ${table} (at) VALUES ${values.map((v) => `(${v})`).join(', ')}`);
    const cutoff = at('2026-01-02T06:00:00.000Z');
    const purger = store.agePurger(mysqlTarget({ table, time: 'at', ...(layout.timeFormat ? { timeFormat: layout.timeFormat } : {}) }));
    const walk = purger.openWalk(cutoff);
    // The first batch starts the counts and, without waiting for them, walks the boundary partition.
    const first = await walk.nextBatch();
    expect(first.partitions).toBeUndefined();
    expect(first.deleted).toBe(layout.beside.length);
    expect(await countRows(store.pool, `SELECT COUNT(*) FROM ${table} PARTITION (p0)`)).toBe(layout.counted.length);
    expect(await countRows(store.pool, `SELECT COUNT(*) FROM ${table} PARTITION (p1)`)).toBe(layout.kept.length);

    const rest = await drainChanges(walk);
    expect(rest.changes.map((c) => [c.name, c.action, c.rows])).toEqual([['p0', 'dropped', layout.counted.length]]);
    expect(first.deleted + rest.deleted).toBe(layout.counted.length + layout.beside.length);
    expect(await partitionNames(table)).toEqual(['p1', 'pmax']);
    expect(await countRows(store.pool, `SELECT COUNT(*) FROM ${table}`)).toBe(layout.kept.length);
  });

  it('walks beside a TO_DAYS catch-all partition for zero dates (LESS THAN (1)), the only one wholly due', async () => {
    await store.pool.query(
      `CREATE TABLE catch_all (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, at DATETIME(3) NOT NULL, PRIMARY KEY (id, at), KEY idx_at (at))
       PARTITION BY RANGE (TO_DAYS(at)) (PARTITION p_zero VALUES LESS THAN (1), PARTITION p0 VALUES LESS THAN (TO_DAYS('2026-01-02')), PARTITION pmax VALUES LESS THAN MAXVALUE)`,
    );
    await insertTimes('catch_all', [at('1000-01-01T00:00:00Z'), at('2026-01-01T10:00:00Z'), at('2026-01-01T12:00:00Z')]);
    const walk = store.agePurger(mysqlTarget({ table: 'catch_all', time: 'at' })).openWalk(at('2026-01-01T12:00:00Z'));
    const first = await walk.nextBatch();
    expect(first.deleted).toBe(2);
    const rest = await drainChanges(walk);
    expect(rest.changes.map((c) => [c.name, c.action, c.rows])).toEqual([['p_zero', 'dropped', 0]]);
    expect(first.deleted + rest.deleted).toBe(2);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM catch_all')).toBe(1);
  });

  it('leaves the partitions to the walk of every due row when the lock wait gives up, after walking the boundary beside the counts', async () => {
    await createDaily('beside_mdl', 'to_days');
    await insertTimes('beside_mdl', [
      at('2026-01-01T10:00:00Z'),
      at('2026-01-02T10:00:00Z'),
      at('2026-01-03T01:00:00Z'),
      at('2026-01-04T10:00:00Z'),
    ]);
    const holder = await createConnection(db.url);
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT COUNT(*) FROM beside_mdl');
      const purger = store.agePurger(mysqlTarget({ table: 'beside_mdl', time: 'at' }));
      const { deleted, changes } = await drainChanges(purger.openWalk(at('2026-01-03T06:00:00Z')));
      expect(changes.map((c) => [c.name, c.action, c.rows, c.reason])).toEqual([
        ['p0', 'skipped', 0, 'metadata-lock-timeout'],
        ['p1', 'skipped', 0, 'metadata-lock-timeout'],
      ]);
      // One row beside the counts (p2), two by the walk of every due row afterwards.
      expect(deleted).toBe(3);
      expect(await countRows(store.pool, 'SELECT COUNT(*) FROM beside_mdl')).toBe(1);
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
  });
});

/** The store's context for calling the partition modules directly, on the test store's pool. */
function directContext(): MysqlStoreContext {
  return {
    pool: store.pool,
    database: db.name,
    logger: silentLogger(),
    // No replicas in these tests: nothing to wait for.
    replicaLag: { waitForReplicas: async () => true, close: async () => {} },
    adaptiveBatchSize: false,
    retry: {},
  };
}

async function planOf(table: string): Promise<AgeTargetPlan> {
  return planAgeTarget(await readTableShape(store.pool, db.name, table), table, 'at', 'datetime');
}

async function stagingTablesOf(table: string): Promise<string[]> {
  const [rows] = await store.pool.query(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?',
    [db.name, `${stagingPrefix(table).replaceAll('_', '\\_')}%`],
  );
  return (rows as Array<{ name: string }>).map((r) => r.name);
}

/** Rows at `times` in a new daily table, its partitions wholly due at `cutoff` and their staging tables made: what a removal starts from. */
async function stagedForRemoval(table: string, times: Date[], cutoff: Date, options = DEFAULT_MYSQL_PARTITIONS) {
  await createDaily(table, 'to_days');
  await insertTimes(table, times);
  const ctx = directContext();
  const plan = await planOf(table);
  const due = duePartitions(plan, (await readPartitionLayout(store.pool, db.name, plan))!, cutoff);
  const staging = await createStagingTables(ctx, plan, due.length);
  const remove = () => removePartitions(ctx, plan, due, options, staging.names ?? []);
  return { due, remove };
}

/** Polls (bounded) until `partition` of `table` holds no row: its exchange has taken them. */
async function untilExchanged(table: string, partition: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    const [rows] = await store.pool.query(`SELECT 1 FROM \`${table}\` PARTITION (\`${partition}\`) LIMIT 1`);
    if ((rows as unknown[]).length === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${table} ${partition} was never exchanged`);
}

/** Polls (bounded) until a session of the server is running `SELECT COUNT(*)` of `table`. */
async function countRunningOn(table: string, polls: number): Promise<boolean> {
  for (let i = 0; i < polls; i += 1) {
    const [rows] = await store.pool.query('SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND DB = ?', [
      `SELECT COUNT(*) AS n FROM \`${table}\`%`,
      db.name,
    ]);
    if ((rows as unknown[]).length > 0) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe('MySQL partitions: the final drop runs between two counts', () => {
  it('hold() waits for the running count to end and keeps the next from starting until resumed', async () => {
    await store.pool.query('CREATE TABLE held_a (id INT PRIMARY KEY)');
    await store.pool.query('CREATE TABLE held_b (id INT PRIMARY KEY)');
    await store.pool.query('INSERT INTO held_a VALUES (1), (2)');
    await store.pool.query('INSERT INTO held_b VALUES (1), (2), (3)');
    // Each count waits on a table another session holds, so the test decides when it ends.
    const [blockA, blockB] = await Promise.all([createConnection(db.url), createConnection(db.url)]);
    try {
      await blockA.query('LOCK TABLES held_a WRITE');
      await blockB.query('LOCK TABLES held_b WRITE');
      const counts = countEachExchanged(directContext(), 1);
      const a = counts.start('held_a');
      expect(await countRunningOn('held_a', 400)).toBe(true);
      let holding = false;
      const hold = counts.hold().then((resume) => {
        holding = true;
        return resume;
      });
      const b = counts.start('held_b');
      // Not while held_a's count runs (a bounded look: 200 ms).
      await new Promise((r) => setTimeout(r, 200));
      expect(holding).toBe(false);
      await blockA.query('UNLOCK TABLES');
      expect(await a).toBe(2);
      const resume = await hold;
      // Held: the next count has not reached the server (it would be waiting on held_b's lock).
      expect(await countRunningOn('held_b', 20)).toBe(false);
      resume();
      expect(await countRunningOn('held_b', 400)).toBe(true);
      await blockB.query('UNLOCK TABLES');
      expect(await b).toBe(3);
    } finally {
      await Promise.all([blockA.end(), blockB.end()]);
    }
  });
});

describe('MySQL partitions: rows are exactly what the removal took (docs/audit.md)', () => {
  it('a row written into a partition before its exchange, and one written into it after, before the final drop, are both in rows; a row deleted before is not', async () => {
    const { due, remove } = await stagedForRemoval(
      'late',
      [at('2026-01-01T01:00:00Z'), at('2026-01-01T02:00:00Z'), at('2026-01-01T03:00:00Z'), at('2026-01-02T01:00:00Z')],
      at('2026-01-03T00:00:00Z'),
      // Room, between the last exchange and the final drop, for the test's late write.
      { ...DEFAULT_MYSQL_PARTITIONS, ddlPauseMs: 1500 },
    );
    expect(due.map((p) => p.name)).toEqual(['p0', 'p1']);
    // Before the removal: a back-dated insert into p0, a delete from p1.
    await insertTimes('late', [at('2026-01-01T04:00:00Z')]);
    await store.pool.query("DELETE FROM late WHERE at = '2026-01-02 01:00:00'");
    await insertTimes('late', [at('2026-01-02T02:00:00Z'), at('2026-01-02T03:00:00Z')]);

    const removal = remove();
    // p1 exchanged (the last exchange): the final drop is at least 1.5 s (ddlPauseMs) away.
    await untilExchanged('late', 'p1');
    await insertTimes('late', [at('2026-01-01T05:00:00Z')]);
    const done = await removal;
    // p0: 4 exchanged + 1 written after its exchange, taken by the drop. p1: 2 exchanged.
    expect(done.changes.map((c) => [c.name, c.action, c.rows])).toEqual([
      ['p0', 'dropped', 5],
      ['p1', 'dropped', 2],
    ]);
    expect(await partitionNames('late')).toEqual(['p2', 'pmax']);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM late')).toBe(0);
    expect(await stagingTablesOf('late')).toEqual([]);
  });
  it('a row it cannot date, written into an emptied partition before the final drop, keeps that partition (its exchanged rows counted)', async () => {
    const { remove } = await stagedForRemoval(
      'late_zero',
      [at('2026-01-01T01:00:00Z'), at('2026-01-01T02:00:00Z'), at('2026-01-02T01:00:00Z')],
      at('2026-01-03T00:00:00Z'),
      { ...DEFAULT_MYSQL_PARTITIONS, ddlPauseMs: 1500 },
    );
    const removal = remove();
    await untilExchanged('late_zero', 'p1');
    // A non-strict session stores '0000-00-00', which TO_DAYS files in the first partition.
    const conn = await createConnection(db.url);
    await conn.query("SET SESSION sql_mode = ''");
    await conn.query("INSERT INTO late_zero (at) VALUES ('0000-00-00 00:00:00')");
    await conn.end();
    const done = await removal;
    expect(done.changes.map((c) => [c.name, c.action, c.rows, c.reason])).toEqual([
      ['p0', 'truncated', 2, 'unusable-time-rows'],
      ['p1', 'dropped', 1, undefined],
    ]);
    expect(await partitionNames('late_zero')).toEqual(['p0', 'p2', 'pmax']);
    expect(await countRows(store.pool, "SELECT COUNT(*) FROM late_zero WHERE at < '1000-01-01'")).toBe(1);
    expect(await stagingTablesOf('late_zero')).toEqual([]);
  });
});

describe('MySQL partitions: a failed count or DDL falls back without losing or mis-auditing rows', () => {
  it('a partition that vanishes between its count and its exchange is left out; the others are removed with their counts', async () => {
    const { remove } = await stagedForRemoval(
      'vanish',
      [at('2026-01-01T01:00:00Z'), at('2026-01-02T01:00:00Z'), at('2026-01-02T02:00:00Z'), at('2026-01-03T01:00:00Z')],
      at('2026-01-03T00:00:00Z'),
    );
    // Someone else merges p1 into p2 meanwhile: its rows now live in p2, which is not due.
    await store.pool.query("ALTER TABLE vanish REORGANIZE PARTITION p1, p2 INTO (PARTITION p2 VALUES LESS THAN (TO_DAYS('2026-01-04')))");
    const removal = await remove();
    expect(removal.changes).toEqual([
      { name: 'p0', action: 'dropped', rows: 1, lessThan: '739983' },
      { name: 'p1', action: 'skipped', rows: 0, lessThan: '739984', reason: 'exchange-failed' },
    ]);
    expect(await partitionNames('vanish')).toEqual(['p2', 'pmax']);
    // p1's rows were not removed (nor counted as removed): the row walk deletes them, by its own count.
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM vanish')).toBe(3);
    expect(await stagingTablesOf('vanish')).toEqual([]);
    const walk = store.agePurger(mysqlTarget({ table: 'vanish', time: 'at' })).openWalk(at('2026-01-03T00:00:00Z'));
    expect(await drainChanges(walk)).toEqual({ deleted: 2, changes: [] });
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM vanish')).toBe(1);
  });

  it('with exchange: false, counts that fail (the table held by LOCK TABLES … WRITE elsewhere) leave every due row to the row walk, each deleted row counted once', async () => {
    await createDaily('count_fails', 'to_days');
    await insertTimes('count_fails', [
      at('2026-01-01T01:00:00Z'),
      at('2026-01-01T02:00:00Z'),
      at('2026-01-02T01:00:00Z'),
      at('2026-01-03T01:00:00Z'), // boundary partition, due
      at('2026-01-03T12:00:00Z'), // kept
    ]);
    const holder = await createConnection(db.url);
    const watcher = await createConnection(db.url);
    const impatient = testStore(db.url, { metadataLockWaitTimeoutSeconds: 1 });
    try {
      await holder.query('LOCK TABLES count_fails WRITE');
      const oneStatement = { ...DEFAULT_MYSQL_PARTITIONS, exchange: false };
      const walk = impatient
        .agePurger(mysqlTarget({ table: 'count_fails', time: 'at', partitions: oneStatement }))
        .openWalk(at('2026-01-03T06:00:00Z'));
      const first = walk.nextBatch().then(
        (batch) => ({ batch, error: null }),
        (error: unknown) => ({ batch: null, error }),
      );
      // Wait (bounded) until the counts have queued behind the lock and then given up.
      const countsWaiting = async () => {
        const [rows] = await watcher.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE 'SELECT COUNT(*) % FROM `count_fails` PARTITION%'",
        );
        return Number((rows as Array<{ n: number }>)[0]?.n);
      };
      let seen = false;
      for (let i = 0; i < 200 && !(seen && (await countsWaiting()) === 0); i += 1) {
        if (!seen && (await countsWaiting()) > 0) seen = true;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(seen).toBe(true);
      expect(await countsWaiting()).toBe(0);
      await holder.query('UNLOCK TABLES');

      // The engine retries a failed batch; here each failure is caught and the walk called again.
      let deleted = 0;
      const changes: PartitionChange[] = [];
      const failures: unknown[] = [];
      const settled = await first;
      if (settled.error) failures.push(settled.error);
      deleted += settled.batch?.deleted ?? 0;
      for (let i = 0; i < 100; i += 1) {
        const batch = await walk.nextBatch().catch((err: unknown) => {
          failures.push(err);
          return null;
        });
        if (!batch) continue;
        deleted += batch.deleted;
        changes.push(...(batch.partitions ?? []));
        if (batch.done) break;
      }
      // A failure the engine would retry is a StoreError; the counts' own failure is not one.
      expect(failures.every((err) => err instanceof StoreError)).toBe(true);
      // No partition was removed (nor reported removed): the row walk deleted and counted all four.
      expect(changes.filter((c) => c.action === 'dropped' || c.action === 'truncated')).toEqual([]);
      expect(deleted).toBe(4);
      expect(await countRows(store.pool, 'SELECT COUNT(*) FROM count_fails')).toBe(1);
      expect(await stagingTablesOf('count_fails')).toEqual([]);
    } finally {
      await impatient.close();
      await holder.end();
      await watcher.end();
    }
  });

  it('a staging table an interrupted run left holding rows is counted, dropped and reported by the next run', async () => {
    await createDaily('leftover', 'to_days');
    await insertTimes('leftover', [at('2026-01-01T01:00:00Z'), at('2026-01-01T02:00:00Z'), at('2026-01-03T01:00:00Z')]);
    // An interrupted run: p0 exchanged into its staging table, which was never dropped.
    const ctx = directContext();
    const plan = await planOf('leftover');
    const staging = await createStagingTables(ctx, plan, 1);
    const [left] = staging.names ?? [];
    await store.pool.query(`ALTER TABLE leftover EXCHANGE PARTITION p0 WITH TABLE \`${left}\``);
    expect(await countRows(store.pool, 'SELECT COUNT(*) FROM leftover')).toBe(1);

    const { deleted, changes } = await drainChanges(
      store.agePurger(mysqlTarget({ table: 'leftover', time: 'at' })).openWalk(at('2026-01-03T00:00:00Z')),
    );
    expect(changes).toEqual([
      { name: left, action: 'dropped', rows: 2, lessThan: '', reason: 'left-by-interrupted-run' },
      { name: 'p0', action: 'dropped', rows: 0, lessThan: '739983' },
      { name: 'p1', action: 'dropped', rows: 0, lessThan: '739984' },
    ]);
    expect(deleted).toBe(2);
    expect(await stagingTablesOf('leftover')).toEqual([]);
    expect(await partitionNames('leftover')).toEqual(['p2', 'pmax']);
  });
});
