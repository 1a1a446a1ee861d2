import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';

/** What the proxy saw: requests by S3 operation. */
export interface ProxyCounts {
  list: number;
  listVersions: number;
  deleteObjects: number;
  other: number;
  /** Keys sent in DeleteObjects requests, every attempt counted. */
  deleteKeys: number;
}

export interface S3FaultProxy {
  endpoint: string;
  counts: ProxyCounts;
  /**
   * Decides, per key of each DeleteObjects request, the per-key error the proxy answers instead
   * of deleting it (`InternalError`, `AccessDenied`…), or null to let the server delete it.
   */
  failKey: (key: string) => string | null;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the test S3 server, to count a run's requests and to inject the
 * per-key failures a real service reports inside a 200 DeleteObjects answer (s3rver never does).
 * Keys it lets through are deleted on the server by `client` (the proxy cannot re-sign the
 * shortened request itself); everything else is forwarded untouched.
 */
export async function startS3FaultProxy(upstream: string, client: S3Client): Promise<S3FaultProxy> {
  const target = new URL(upstream);
  const proxy: S3FaultProxy = {
    endpoint: '',
    counts: { list: 0, listVersions: 0, deleteObjects: 0, other: 0, deleteKeys: 0 },
    failKey: () => null,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (req.method === 'POST' && url.searchParams.has('delete')) {
      proxy.counts.deleteObjects += 1;
      void handleDelete(req, res, url, proxy, client);
      return;
    }
    if (req.method === 'GET' && url.searchParams.has('versions')) proxy.counts.listVersions += 1;
    else if (req.method === 'GET' && url.searchParams.get('list-type') === '2') proxy.counts.list += 1;
    else proxy.counts.other += 1;
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => server.close(() => resolve()));
  return proxy;
}

async function handleDelete(req: IncomingMessage, res: ServerResponse, url: URL, proxy: S3FaultProxy, client: S3Client): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
  proxy.counts.deleteKeys += keys.length;
  const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
  const errors: Array<{ key: string; code: string }> = [];
  const pass: string[] = [];
  for (const key of keys) {
    const code = proxy.failKey(key);
    if (code) errors.push({ key, code });
    else pass.push(key);
  }
  if (pass.length > 0)
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: pass.map((Key) => ({ Key })), Quiet: true } }));
  const xml = `<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${errors
    .map((e) => `<Error><Key>${escapeXml(e.key)}</Key><Code>${e.code}</Code><Message>injected</Message></Error>`)
    .join('')}</DeleteResult>`;
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(xml);
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
