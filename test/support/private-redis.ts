import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './free-port.js';
import { Redis } from 'ioredis';

export interface PrivateRedis {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A private `redis-server` on a free port, without persistence, optionally with `requirepass`
 * and a Unix socket besides the port:
 * the shared Redis on 6379 is never reconfigured. Waits (bounded) until it answers PING.
 */
export async function startPrivateRedis(options: { password?: string; unixSocket?: string } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  if (options.unixSocket) args.push('--unixsocket', options.unixSocket, '--unixsocketperm', '700');
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password: options.password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // refused while the server starts
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (client.status !== 'ready') {
        client.disconnect();
        await client.connect();
      }
      if ((await client.ping()) === 'PONG') break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not start`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  client.disconnect();
  return {
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
