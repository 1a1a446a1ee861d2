import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a shared server, so a test can make that server unreachable for the
 * worker without touching the server itself (never stop the shared MariaDB/Redis).
 */
export interface TcpProxy {
  /** The local port to point the client at (`127.0.0.1:<port>`). */
  readonly port: number;
  /** Stop forwarding bytes (both ways); new connections wait. Clients see a hung server. */
  pause(): void;
  /** Drop every connection and refuse new ones until `resume()`. Clients see connection errors. */
  cut(): void;
  /** Forward again (buffered bytes of paused connections are delivered). */
  resume(): void;
  /** Connections opened through the proxy so far (to check a client really went through it). */
  readonly connections: number;
  close(): Promise<void>;
}

type Mode = 'open' | 'paused' | 'cut';

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: Mode = 'open';
  let connections = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket | null; pending: Buffer[] }>();

  const link = (pair: { client: Socket; upstream: Socket | null; pending: Buffer[] }) => {
    const upstream = connect(targetPort, targetHost);
    pair.upstream = upstream;
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => pair.client.destroy());
    upstream.on('data', (chunk) => {
      if (!pair.client.write(chunk)) upstream.pause();
    });
    pair.client.on('drain', () => mode === 'open' && upstream.resume());
    upstream.on('drain', () => mode === 'open' && pair.client.resume());
    for (const chunk of pair.pending.splice(0)) upstream.write(chunk);
  };

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    connections += 1;
    const pair = { client, upstream: null as Socket | null, pending: [] as Buffer[] };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (!pair.upstream) pair.pending.push(chunk);
      else if (!pair.upstream.write(chunk)) client.pause();
    });
    client.on('error', () => pair.upstream?.destroy());
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (mode === 'paused') client.pause();
    else link(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no TCP address');

  return {
    port: address.port,
    get connections() {
      return connections;
    },
    pause() {
      mode = 'paused';
      for (const p of pairs) {
        p.client.pause();
        p.upstream?.pause();
      }
    },
    cut() {
      mode = 'cut';
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      pairs.clear();
    },
    resume() {
      mode = 'open';
      for (const p of pairs) {
        if (!p.upstream) link(p);
        p.client.resume();
        p.upstream?.resume();
      }
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
