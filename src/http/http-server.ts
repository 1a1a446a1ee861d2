import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ReadinessResult } from './readiness.js';

export interface HttpServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** @defaultValue all interfaces */
  host?: string;
  /** `/readyz`: 200 when ready, 503 otherwise, with the result as JSON. */
  readiness(): Promise<ReadinessResult>;
  /** `/metrics`: Prometheus text. */
  metrics(): Promise<{ contentType: string; body: string }>;
  logger: Logger;
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The worker's HTTP endpoints: `/healthz` (the process answers: liveness), `/readyz` (MySQL, the
 * queue and every enabled store reachable), `/metrics`. Nothing else, and only GET/HEAD.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { logger } = options;
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      const result = await options.readiness();
      return send(res, result.ready ? 200 : 503, 'application/json', `${JSON.stringify(result)}\n`);
    }
    if (path === '/metrics') {
      const { contentType, body } = await options.metrics();
      return send(res, 200, contentType, body);
    }
    return send(res, 404, 'text/plain', 'not found\n');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  });
  // Probes reuse connections; do not let them hold a shutdown up.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'HTTP endpoints listening: /healthz, /readyz, /metrics');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
