import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { StoreError } from '../../../src/errors/store-error.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import type { MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import { policyLockName } from '../../../src/stores/mysql/policy-lock.js';
import { testStore } from './mysql-fixtures.js';

let db: TestDatabase;
let store: MysqlStore;
let other: MysqlStore;

beforeAll(async () => {
  db = await createTestDatabase('mysql_coord');
  store = testStore(db.url, { lockWaitTimeoutSeconds: 3, metadataLockWaitTimeoutSeconds: 4 });
  other = testStore(db.url);
});

afterAll(async () => {
  await other?.close();
  await store?.close();
  await db?.drop();
});

/** Polls a condition on the database, bounded: the server frees a killed session's locks asynchronously. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('MySQL store sessions and coordination', () => {
  it('runs every pooled session in UTC with the configured short lock waits', async () => {
    const [rows] = await store.pool.query<RowDataPacket[]>(
      'SELECT @@session.time_zone AS tz, @@session.innodb_lock_wait_timeout AS row_wait, @@session.lock_wait_timeout AS mdl_wait',
    );
    expect(rows[0]).toEqual({ tz: '+00:00', row_wait: '3', mdl_wait: '4' });
  });

  it('reads the server clock as a UTC Date', async () => {
    const before = Date.now();
    const serverTime = await store.serverTime();
    expect(serverTime).toBeInstanceOf(Date);
    // Same machine: within a few seconds of ours.
    expect(Math.abs(serverTime.getTime() - before)).toBeLessThan(5_000);
  });

  it('names its database and answers ping', async () => {
    expect(store.database).toBe(db.name);
    await store.ping();
  });

  it('wraps an unreachable server in a StoreError that never shows the URL password', async () => {
    const unreachable = testStore('mysql://root:s3cret-pw@127.0.0.1:1/im');
    try {
      const err = await unreachable.ping().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).store).toBe('mysql');
      expect(String((err as Error).message)).not.toContain('s3cret-pw');
    } finally {
      await unreachable.close();
    }
  });

  it('rejects a URL without a database as a config error that does not repeat the URL', () => {
    const err = (() => {
      try {
        testStore('mysql://root:s3cret-pw@127.0.0.1:3306');
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).not.toContain('s3cret-pw');
  });

  it('lets one run hold a policy lock: a second store gets null until it is released', async () => {
    const lock = await store.tryLockPolicy('log-data');
    expect(lock).not.toBeNull();
    expect(await other.tryLockPolicy('log-data')).toBeNull();
    expect(await other.isPolicyLocked('log-data')).toBe(true);
    expect(await other.isPolicyLocked('monitoring-data')).toBe(false);

    await lock?.release();
    expect(await other.isPolicyLocked('log-data')).toBe(false);
    const again = await other.tryLockPolicy('log-data');
    expect(again).not.toBeNull();
    await again?.release();
    // Releasing twice is harmless.
    await again?.release();
  });

  it('frees a policy lock when the connection holding it is killed', async () => {
    const lock = await store.tryLockPolicy('killed-run');
    expect(lock).not.toBeNull();
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS holder', [policyLockName(db.name, 'killed-run')]);
    const holder = rows[0]?.holder;
    expect(holder).not.toBeNull();
    await db.pool.query(`KILL ${Number(holder)}`);

    await eventually(async () => !(await other.isPolicyLocked('killed-run')));
    const taken = await other.tryLockPolicy('killed-run');
    expect(taken).not.toBeNull();
    await taken?.release();
    // The dead run's release neither throws nor touches the new holder's lock.
    await lock?.release();
  });

  it('fails a walk loudly when a configured replica is not replicating at all', async () => {
    // The shared test server is a primary: SHOW REPLICA STATUS returns no row.
    const throttled = testStore(db.url, { replicas: [db.url] });
    try {
      await throttled.pool.query('CREATE TABLE throttled (id INT PRIMARY KEY, at DATETIME(3) NOT NULL, KEY idx_at (at))');
      const walk = throttled
        .agePurger({ store: 'mysql', table: 'throttled', time: 'at', timeFormat: 'datetime', batchSize: 10, pauseMs: 0, maxRunSeconds: 60 })
        .openWalk(new Date());
      const err = await walk.nextBatch().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toContain('is it a replica');
    } finally {
      await throttled.close();
    }
  });

  it('keeps lock names within 64 characters and distinct', () => {
    const long = policyLockName('a'.repeat(64), 'p'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(policyLockName('a'.repeat(64), `${'p'.repeat(62)}q`));
    expect(policyLockName('im', 'log-data')).toBe('retention:im:log-data');
  });

  it('ends its lock connections on close, freeing their locks', async () => {
    const closing = testStore(db.url);
    const lock = await closing.tryLockPolicy('closed-store');
    expect(lock).not.toBeNull();
    await closing.close();
    await eventually(async () => !(await store.isPolicyLocked('closed-store')));
  });
});
