import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisClusterHandle {
  /** `redis://127.0.0.1:<port>` of every master. */
  nodes: string[];
  /** Stops every server and removes their directories. */
  stop(): Promise<void>;
}

const SLOTS = 16384;
/** Bounded waits: a server answering PING, then the cluster agreeing it is `ok`. */
const START_TIMEOUT_MS = 10_000;
const STATE_OK_TIMEOUT_MS = 20_000;

/**
 * A private Redis Cluster of `masters` masters (no replicas) from the installed `redis-server`, on
 * free loopback ports, without persistence, in temporary directories: the shared Redis on 6379 is
 * never involved. Slots are split evenly with CLUSTER ADDSLOTSRANGE and the nodes joined with
 * CLUSTER MEET (what `redis-cli --cluster create` does, without its interactive checks).
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'retention-redis-cluster-'));
  const servers: Array<{ port: number; busPort: number; process: ChildProcess }> = [];
  const clients: Redis[] = [];

  async function stop(): Promise<void> {
    for (const client of clients) client.disconnect();
    await Promise.all(servers.map(({ process }) => terminate(process)));
    await rm(dir, { recursive: true, force: true });
  }

  try {
    const ports = await freePorts(2 * masters);
    for (let i = 0; i < masters; i += 1) {
      const [port, busPort] = [ports[2 * i]!, ports[2 * i + 1]!];
      const nodeDir = join(dir, `node-${i}`);
      await mkdir(nodeDir);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPort),
          '--cluster-config-file',
          join(nodeDir, 'nodes.conf'),
          '--cluster-node-timeout',
          '5000',
          '--dir',
          nodeDir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--logfile',
          join(nodeDir, 'redis.log'),
        ],
        { stdio: 'ignore' },
      );
      servers.push({ port, busPort, process: child });
    }
    for (const { port } of servers) {
      const client = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        protocol: 2,
      });
      client.on('error', () => {}); // refused connections while the server starts are expected
      clients.push(client);
      await poll(
        START_TIMEOUT_MS,
        async () => {
          try {
            if (client.status !== 'ready') {
              client.disconnect();
              await client.connect();
            }
            return (await client.ping()) === 'PONG';
          } catch {
            return false;
          }
        },
        `redis-server on port ${port} did not start`,
      );
    }

    const perNode = Math.ceil(SLOTS / masters);
    for (const [i, client] of clients.entries()) {
      const first = i * perNode;
      const last = Math.min(SLOTS, first + perNode) - 1;
      await client.call('CLUSTER', 'ADDSLOTSRANGE', first, last);
      // Distinct config epochs, as redis-cli sets them, so no epoch collision has to be resolved.
      await client.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1);
    }
    for (const { port, busPort } of servers.slice(1)) {
      await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', port, busPort);
    }
    await poll(
      STATE_OK_TIMEOUT_MS,
      async () => {
        const infos = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO') as Promise<string>));
        return infos.every((info) => /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(info));
      },
      'the cluster did not reach cluster_state:ok',
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return { nodes: servers.map(({ port }) => `redis://127.0.0.1:${port}`), stop };
}

/** `count` distinct free loopback ports: all held open at once, then released for the servers. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer().listen(0, '127.0.0.1'));
  await Promise.all(servers.map((server) => once(server, 'listening')));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function poll(timeoutMs: number, probe: () => Promise<boolean>, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${failure} within ${timeoutMs} ms`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
