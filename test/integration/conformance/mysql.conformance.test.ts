import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlStore, type MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { MysqlTargetConfig } from '../../../src/config/schema.js';
import { describeAgePurgerConformance } from './age-purger-conformance.js';

let db: TestDatabase;
let store: MysqlStore;
const target = (fields: Partial<MysqlTargetConfig>): MysqlTargetConfig => ({
  store: 'mysql',
  table: 'events',
  time: 'created_at',
  timeFormat: 'datetime',
  batchSize: 1000,
  pauseMs: 0,
  maxRunSeconds: 600,
  ...fields,
});

describeAgePurgerConformance('MySQL', {
  async open() {
    db = await createTestDatabase('conf_mysql');
    await db.pool.query(
      'CREATE TABLE events (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, created_at DATETIME(3) NULL, KEY (created_at))',
    );
    await db.pool.query('CREATE TABLE no_index (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, created_at DATETIME(3) NULL)');
    store = createMysqlStore(
      { url: db.url, lockWaitTimeoutSeconds: 2, metadataLockWaitTimeoutSeconds: 5, replicas: [], maxReplicaLagSeconds: 10 },
      silentLogger(),
    );
  },
  async close() {
    await store.close();
    await db.drop();
  },
  async reset() {
    await db.pool.query('TRUNCATE TABLE events');
  },
  async insert(times) {
    // Insert in time order so ids follow time, as in an append-only log.
    const sorted = [...times].sort((a, b) => (a?.getTime() ?? 0) - (b?.getTime() ?? 0));
    await db.pool.query('INSERT INTO events (created_at) VALUES ?', [sorted.map((t) => [t])]);
  },
  async remainingTimes() {
    const [rows] = await db.pool.query('SELECT created_at FROM events WHERE created_at IS NOT NULL ORDER BY created_at');
    return (rows as { created_at: Date }[]).map((r) => r.created_at.getTime());
  },
  async remainingUnusable() {
    const [rows] = await db.pool.query('SELECT COUNT(*) AS n FROM events WHERE created_at IS NULL');
    return Number((rows as { n: string }[])[0]!.n);
  },
  async removeExternally(time) {
    await db.pool.query('DELETE FROM events WHERE created_at = ?', [time]);
  },
  purger: (batchSize) => store.agePurger(target({ batchSize })),
  misconfiguredPurger: () => store.agePurger(target({ table: 'no_index' })),
});
