import type { Pool } from 'mysql2/promise';
import { UsageError } from '../errors/index.js';
import { createReferenceTables } from './mysql-reference-schema.js';
import { demoAccounts, demoIp, INTERFACES, pick, prng, spreadTime, type SeedOptions } from './demo-data.js';

const CHUNK = 1000;

/** Inserts rows in multi-row statements of CHUNK rows. */
async function insertMany(pool: Pool, sql: string, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await pool.query(sql, [chunk]);
  }
}

/** Sorted times, so that auto-increment ids follow time as in a real append-only log. */
function sortedTimes(rand: () => number, count: number, options: SeedOptions): Date[] {
  return Array.from({ length: count }, () => spreadTime(rand, options)).sort((a, b) => a.getTime() - b.getTime());
}

export interface MysqlSeedCounts {
  accounts: number;
  requestLogs: number;
  exceptionLogs: number;
  monitoringStats: number;
  appConfigs: number;
  pushCertificates: number;
}

/** Creates the reference tables and fills them; refuses a database that already has data unless `force`. */
export async function seedMysql(pool: Pool, options: SeedOptions, force: boolean): Promise<MysqlSeedCounts> {
  await createReferenceTables(pool);
  if (!force) {
    const [rows] = await pool.query('SELECT (SELECT COUNT(*) FROM im_account) + (SELECT COUNT(*) FROM im_request_log) AS n');
    const n = Number((rows as { n: string | number }[])[0]?.n ?? 0);
    if (n > 0) throw new UsageError('the MySQL database already has data; seed with --force to add more');
  }
  const rand = prng(7);
  const accounts = demoAccounts(options);
  await insertMany(
    pool,
    'INSERT INTO im_account (app_id, uin, status, terminated_at, legal_hold, config_purged_at) VALUES ? ON DUPLICATE KEY UPDATE app_id = app_id',
    accounts.map((a) => [a.appId, a.uin, a.status, a.terminatedAt, a.legalHold ? 1 : 0, a.configPurgedAt]),
  );
  const appIds = accounts.map((a) => a.appId);
  const requestTimes = sortedTimes(rand, options.rows, options);
  await insertMany(
    pool,
    'INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?',
    requestTimes.map((t) => [pick(rand, appIds), ipBytes(demoIp(rand)), pick(rand, INTERFACES), t]),
  );
  const exceptionCount = Math.max(1, Math.floor(options.rows / 10));
  await insertMany(
    pool,
    'INSERT INTO im_exception_log (app_id, interface_name, cause, occurred_at) VALUES ?',
    sortedTimes(rand, exceptionCount, options).map((t) => [pick(rand, appIds), pick(rand, INTERFACES), 'upstream timeout', t]),
  );
  const monitoringCount = Math.max(1, Math.floor(options.rows / 2));
  await insertMany(
    pool,
    'INSERT INTO im_monitoring_stat (app_id, interface_name, success_rate, avg_delay_ms, window_start) VALUES ?',
    sortedTimes(rand, monitoringCount, options).map((t) => [
      pick(rand, appIds),
      pick(rand, INTERFACES),
      (0.9 + rand() * 0.1).toFixed(4),
      Math.floor(rand() * 300),
      t,
    ]),
  );
  await insertMany(
    pool,
    'INSERT INTO im_app_config (app_id, app_name, callback_enabled, callback_url, admin_account, app_key, app_type, app_status, created_at, updated_at) VALUES ? ON DUPLICATE KEY UPDATE app_id = app_id',
    appIds.map((id, i) => [
      id,
      `demo-app-${i}`,
      i % 2,
      `https://callback.example.com/${i}`,
      `admin${i}`,
      `key-${i}`,
      'im',
      'normal',
      options.now,
      options.now,
    ]),
  );
  const certs = appIds.flatMap((id, i) => [
    [id, 'apns', `com.example.app${i}`, `push-${i}`, `secret-${i}`],
    [id, 'fcm', `com.example.app${i}`, `push-${i}`, `secret-${i}`],
  ]);
  await insertMany(pool, 'INSERT INTO im_push_certificate (app_id, platform, package_name, push_app_id, app_secret) VALUES ?', certs);
  return {
    accounts: accounts.length,
    requestLogs: requestTimes.length,
    exceptionLogs: exceptionCount,
    monitoringStats: monitoringCount,
    appConfigs: appIds.length,
    pushCertificates: certs.length,
  };
}

function ipBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}
