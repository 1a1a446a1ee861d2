import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import { insertNumbered } from '../../support/mysql.js';
import { countRows, mysqlTarget, testStore } from './mysql-fixtures.js';

/**
 * The replica-lag gate against real replication: a private primary (binary log on) and replica
 * of `mariadbd`, each on a free port with its own data directory, started and removed here. The
 * shared MariaDB is never touched.
 */

const hasMariadb = ['mariadbd', 'mariadb-install-db'].every((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0);
const SKIP_REASON = 'mariadbd / mariadb-install-db are not installed: cannot start a private primary/replica pair';
if (!hasMariadb) console.warn(`mysql-replica-lag: skipped — ${SKIP_REASON}`);

const CUTOFF = new Date('2024-03-10T12:00:00.000Z');
const DUE = 3000;
const KEPT = 500;

interface PrivateServer {
  port: number;
  dir: string;
  child: ChildProcess;
  admin: Connection;
}

let primary: PrivateServer | undefined;
let replica: PrivateServer | undefined;
let store: MysqlStore | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Polls `fn` every 100 ms until it returns a value other than undefined; fails after `timeoutMs`. */
async function pollFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** Initializes a data directory and starts `mariadbd` on it; retries once on another port if the first was taken meanwhile. */
async function startServer(serverId: number, withBinlog: boolean): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), `rt-replica-${serverId}-`));
  const install = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${dir}/data`, '--auth-root-authentication-method=normal', '--user=root', '--skip-test-db'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const args = [
      '--no-defaults',
      `--datadir=${dir}/data`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${dir}/mysqld.sock`,
      `--pid-file=${dir}/mysqld.pid`,
      `--log-error=${dir}/error.log`,
      '--user=root',
      `--server-id=${serverId}`,
      '--innodb-buffer-pool-size=32M',
      '--skip-name-resolve',
      ...(withBinlog ? [`--log-bin=${dir}/binlog`, '--binlog-format=ROW'] : ['--relay-log=relay', '--skip-slave-start']),
    ];
    const child = spawn('mariadbd', args, { stdio: 'ignore' });
    try {
      const admin = await pollFor(`mariadbd ${serverId} on port ${port}`, 30_000, async () => {
        if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}`);
        return createConnection({ host: '127.0.0.1', port, user: 'root' });
      });
      return { port, dir, child, admin };
    } catch (err) {
      lastError = err;
      await stopServer({ port, dir, child, admin: null });
    }
  }
  const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  await rm(dir, { recursive: true, force: true });
  throw new Error(`mariadbd ${serverId} did not start: ${(lastError as Error).message}\n${log.slice(-2000)}`);
}

/** Stops a server we started (SIGTERM, then SIGKILL after 20 s) and removes its directory. */
async function stopServer(server: Omit<PrivateServer, 'admin'> & { admin: Connection | null }): Promise<void> {
  await server.admin?.end().catch(() => undefined);
  if (server.child.exitCode === null && server.child.signalCode === null) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(server.dir, { recursive: true, force: true });
}

async function replicaStatus(): Promise<RowDataPacket | undefined> {
  const [rows] = await replica!.admin.query<RowDataPacket[]>('SHOW SLAVE STATUS');
  return rows[0];
}

async function waitUntilCaughtUp(): Promise<void> {
  await pollFor('the replica to catch up', 30_000, async () => {
    const status = await replicaStatus();
    const [masterRows] = await primary!.admin.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const master = masterRows[0];
    const applied = status?.Relay_Master_Log_File === master?.File && Number(status?.Exec_Master_Log_Pos) === Number(master?.Position);
    return status?.Slave_SQL_Running === 'Yes' && status?.Seconds_Behind_Master === 0 && applied ? true : undefined;
  });
}

beforeAll(async () => {
  if (!hasMariadb) return;
  [primary, replica] = await Promise.all([startServer(1, true), startServer(2, false)]);
  await primary.admin.query("CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'");
  await primary.admin.query("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'");
  // Both servers are new: the replica applies the primary's binary log from its first event.
  await replica.admin.query(
    `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'repl', MASTER_PASSWORD = 'repl', ` +
      "MASTER_LOG_FILE = 'binlog.000001', MASTER_LOG_POS = 4, MASTER_USE_GTID = no",
  );
  await replica.admin.query('START SLAVE');

  await primary.admin.query('CREATE DATABASE im');
  await primary.admin.query(
    'CREATE TABLE im.request_log (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, requested_at DATETIME(3) NULL, KEY idx_requested_at (requested_at))',
  );
  await primary.admin.query('USE im');
  const pool = { query: (sql: string) => primary!.admin.query(sql) } as unknown as Parameters<typeof insertNumbered>[0];
  // Ids follow time: DUE rows a second apart before the cutoff, then KEPT rows after it.
  await insertNumbered(
    pool,
    DUE + KEPT,
    'im.request_log (id, requested_at)',
    (n) => `${n} + 1, TIMESTAMP'2024-03-10 12:00:00' + INTERVAL (${n} - ${DUE}) SECOND`,
  );
  await waitUntilCaughtUp();
  store = testStore(`mysql://root@127.0.0.1:${primary.port}/im`, {
    replicas: [`mysql://root@127.0.0.1:${replica.port}/im`],
    maxReplicaLagSeconds: 1,
  });
}, 180_000);

afterAll(async () => {
  await store?.close().catch(() => undefined);
  await Promise.all([primary, replica].map((s) => (s ? stopServer(s) : undefined)));
}, 60_000);

describe.skipIf(!hasMariadb)('MySQL purge and replica lag (private primary/replica pair)', () => {
  it('makes no progress while the replica SQL thread is stopped, and deletes everything due once it runs again', async () => {
    const primaryRows = () => countRows(store!.pool, 'SELECT COUNT(*) FROM im.request_log');
    await replica!.admin.query('STOP SLAVE SQL_THREAD');
    await pollFor('the SQL thread to stop', 10_000, async () => ((await replicaStatus())?.Slave_SQL_Running === 'No' ? true : undefined));

    const walk = store!.agePurger(mysqlTarget({ table: 'request_log', time: 'requested_at', batchSize: 500 })).openWalk(CUTOFF);
    // Each call waits at the gate (bounded), then hands back an empty batch that is not done.
    for (let i = 0; i < 2; i += 1) {
      expect(await walk.nextBatch()).toEqual({ deleted: 0, done: false });
      expect(await primaryRows()).toBe(DUE + KEPT);
    }

    await replica!.admin.query('START SLAVE SQL_THREAD');
    await waitUntilCaughtUp();
    let deleted = 0;
    for (let batches = 0; batches < 100; batches += 1) {
      const batch = await walk.nextBatch();
      deleted += batch.deleted;
      if (batch.done) break;
    }
    expect(deleted).toBe(DUE);
    expect(await primaryRows()).toBe(KEPT);
    // The deletes replicate: the replica ends with the same rows.
    await waitUntilCaughtUp();
    const [rows] = await replica!.admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM im.request_log');
    expect(Number(rows[0]?.n)).toBe(KEPT);
  }, 120_000);

  it('refuses a replica URL that points at a server which is not replicating', async () => {
    const misconfigured = testStore(`mysql://root@127.0.0.1:${primary!.port}/im`, {
      replicas: [`mysql://root@127.0.0.1:${primary!.port}/im`],
    });
    try {
      const walk = misconfigured.agePurger(mysqlTarget({ table: 'request_log', time: 'requested_at' })).openWalk(CUTOFF);
      await expect(walk.nextBatch()).rejects.toThrow(/no replication status/);
    } finally {
      await misconfigured.close();
    }
  });
});
