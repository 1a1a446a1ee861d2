#!/usr/bin/env node
// `npm run demo`: a first purge on the local MariaDB and Redis, from a clean demo database.
// Everything it needs is set explicitly below; MongoDB is disabled (none runs on this machine).
// DEMO_MYSQL_URL, DEMO_MONGO_URL, DEMO_REDIS_URL (and DEMO_QUEUE_REDIS_URL) point it elsewhere,
// e.g. at the stores `docker compose up` publishes (README: *The container image*).
import { spawnSync } from 'node:child_process';
import { createConnection } from 'mysql2/promise';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

const env = {
  ...process.env,
  MYSQL_URL: process.env.DEMO_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/retention_demo',
  MONGO_URL: process.env.DEMO_MONGO_URL ?? '',
  REDIS_URL: process.env.DEMO_REDIS_URL ?? 'redis://127.0.0.1:6379/2',
  QUEUE_REDIS_URL: process.env.DEMO_QUEUE_REDIS_URL ?? process.env.DEMO_REDIS_URL ?? 'redis://127.0.0.1:6379/2',
  AUDIT_KEY: process.env.AUDIT_KEY ?? 'demo-audit-key-not-for-production',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};

function retention(...args) {
  console.log(`\n$ retention ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['bin/retention.js', ...args], { env, stdio: 'inherit' });
  return r.status ?? 1;
}

async function resetDemoStores() {
  const url = new URL(env.MYSQL_URL);
  const database = url.pathname.slice(1);
  url.pathname = '/';
  const conn = await createConnection(url.toString());
  await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn.query(`CREATE DATABASE \`${database}\``);
  await conn.end();
  const redis = new Redis(env.REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'im:*', 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
  let mongo = 'MongoDB disabled';
  if (env.MONGO_URL) {
    // The seed refuses a database that already has data: start from an empty one, as for MySQL.
    const client = new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    await client.db().dropDatabase();
    await client.close();
    mongo = `MongoDB database ${new URL(env.MONGO_URL).pathname.slice(1)}`;
  }
  console.log(`demo stores reset: MySQL database ${database}, Redis ${env.REDIS_URL} (im:* keys); ${mongo}`);
}

await resetDemoStores();
let status = retention('seed', '--apps', '200', '--days', '14', '--rows', '20000');
if (status === 0) status = retention('run', '--dry-run');
if (status === 0) status = retention('run');
retention('audit', 'list', '--since', '1h');
const verify = retention('audit', 'verify');
console.log(`
See it in a browser (read-only console, http://127.0.0.1:9465/, log in with any user name and the token as password):
  MYSQL_URL=${env.MYSQL_URL} REDIS_URL=${env.REDIS_URL} QUEUE_REDIS_URL=${env.QUEUE_REDIS_URL} MONGO_URL= \\
  AUDIT_KEY=${env.AUDIT_KEY} CONSOLE_TOKEN=demo-console-token node bin/retention.js console`);
process.exit(status || verify);
