import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { UsageError } from '../errors/index.js';
import { requireCredentials, type ConsoleCredentials } from './console-auth.js';
import type { ConsoleData } from './console-data.js';
import { chainPage } from './pages/chain-page.js';
import { promisesPage } from './pages/promises-page.js';
import { runPage, runsPage, summarizeRun } from './pages/runs-page.js';
import { subjectPage } from './pages/subject-page.js';
import { queueBoard } from './queue-board.js';
import { securityHeaders } from './security-headers.js';

export interface ConsoleServerOptions {
  host: string;
  port: number;
  credentials: ConsoleCredentials;
  data: ConsoleData;
  /** The worker's queues for Bull Board; without them the Queue page says so. */
  queues?: readonly Queue[] | undefined;
  logger: Logger;
}

export interface ConsoleServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const SINCE = /^(\d{1,4})([hd])$/;

/** `7d`, `24h` → the instant that long ago; anything else is refused (400), not guessed. */
function sinceDate(text: string, now: Date): Date {
  const m = SINCE.exec(text);
  if (!m) throw new UsageError(`since ${JSON.stringify(text)}: expected a number and h or d (e.g. 7d)`);
  return new Date(now.getTime() - Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000));
}

/**
 * The folder of the console's static files (CSS, the chart script): beside this module when the
 * image copied them next to the bundle (dist/bundle/public), else in the source tree (a checkout).
 */
function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'public'))) return join(here, 'public');
  let dir = here;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return join(dir, 'src', 'console', 'public');
}

/**
 * Runs a lookup on the subject id the form posted. A malformed id or a missing audit key is
 * answered here, without echoing the id: 400 and the form with the message; the lookup is then
 * undefined.
 */
async function lookUpPostedSubject<T>(req: Request, res: Response, lookup: (id: string) => Promise<T>): Promise<{ answer: T } | undefined> {
  const id = typeof req.body?.id === 'string' ? req.body.id.trim() : '';
  try {
    return { answer: await lookup(id) };
  } catch (err) {
    if (!(err instanceof UsageError || (err as { exitCode?: number }).exitCode === 2)) throw err;
    res
      .status(400)
      .type('html')
      .send(subjectPage(null, (err as Error).message.replace(id, '…')));
    return undefined;
  }
}

/**
 * `retention console`: read-only pages over the audit trail, the promises' health and the queue.
 * Only GET (and the subject lookup's POST, which reads) are routed; there is nothing to change.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { data, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requireCredentials(options.credentials));
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const board = options.queues && options.queues.length > 0 ? queueBoard(options.queues, '/queue') : null;
  if (board) app.use('/queue', securityHeaders({ inlineStyles: true }), board.router);

  app.use(securityHeaders());
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  app.get('/assets/uPlot.iife.min.js', (_req, res) => res.sendFile(join(uplotDir, 'dist', 'uPlot.iife.min.js')));
  app.get('/assets/uPlot.min.css', (_req, res) => res.sendFile(join(uplotDir, 'dist', 'uPlot.min.css')));
  app.use('/assets', express.static(publicDir(), { fallthrough: false, index: false }));

  const page = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };

  app.get(
    '/',
    page(async (_req, res) => {
      res.type('html').send(promisesPage(await data.promises()));
    }),
  );
  app.get(
    '/api/promises',
    page(async (_req, res) => {
      res.json(await data.promises());
    }),
  );
  app.get(
    '/runs',
    page(async (req, res) => {
      const since = typeof req.query.since === 'string' ? req.query.since : '7d';
      const runs = await data.runs(sinceDate(since, new Date()));
      res.type('html').send(runsPage(runs.map(summarizeRun), since));
    }),
  );
  app.get(
    '/api/runs',
    page(async (req, res) => {
      const since = typeof req.query.since === 'string' ? req.query.since : '7d';
      res.json({ since, runs: (await data.runs(sinceDate(since, new Date()))).map(summarizeRun) });
    }),
  );
  app.get(
    '/runs/:runId',
    page(async (req, res) => {
      const found = await data.run(String(req.params.runId));
      if (!found) res.status(404).type('text/plain').send('no such run in the audit trail\n');
      else res.type('html').send(runPage(String(req.params.runId), found.runs, found.entries));
    }),
  );
  app.get(
    '/chain',
    page(async (_req, res) => {
      res.type('html').send(chainPage(await data.chain()));
    }),
  );
  app.get('/subject', (_req, res) => {
    res.type('html').send(subjectPage(null));
  });
  app.post(
    '/subject',
    express.urlencoded({ extended: false, limit: '1kb' }),
    page(async (req, res) => {
      const lookup = await lookUpPostedSubject(req, res, (id) => data.subject(id));
      if (lookup) res.type('html').send(subjectPage(lookup.answer));
    }),
  );
  app.post(
    '/subject/certificate',
    express.urlencoded({ extended: false, limit: '1kb' }),
    page(async (req, res) => {
      const lookup = await lookUpPostedSubject(req, res, (id) => data.subjectCertificate(id));
      if (!lookup) return;
      const certificate = lookup.answer;
      if (!certificate) {
        const why =
          'No certificate can be issued here: the subject was not completely purged, or no signed checkpoint covers its purge yet.';
        res.status(404).type('html').send(subjectPage(null, why));
        return;
      }
      res
        .set('Content-Disposition', 'attachment; filename="deletion-certificate.json"')
        .type('application/json')
        .send(`${JSON.stringify(certificate, null, 2)}\n`);
    }),
  );
  if (!board)
    app.get('/queue/', (_req, res) => res.type('text/plain').send("no queue: the console was started without the worker's Redis\n"));

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof UsageError) {
      res.status(400).type('text/plain').send(`${err.message}\n`);
      return;
    }
    // Logged without the request (a lookup's body holds a subject id).
    logger.error({ err: { name: err.name, message: err.message } }, 'console page failed');
    res.status(500).type('text/plain').send("the page could not be built; see the console's log\n");
  });

  const server: Server = app.listen(options.port, options.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`;
  logger.info({ address: `${options.host}:${port}` }, 'console listening');
  return {
    url,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      board?.close();
    },
  };
}
