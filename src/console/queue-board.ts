import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

export interface QueueBoard {
  router: Router;
  /** Removes the board's page template copy. */
  close(): void;
}

/**
 * Bull Board for the worker's queues, read-only (no retry, clean, promote or remove buttons, and
 * its API refuses them). Its page template links a web font on a CDN, which the console's CSP
 * blocks and this machine's network could not reach anyway: the board is served from a copy of
 * its template without that link, written to a temporary directory (the image's root is read-only).
 */
export function queueBoard(queues: readonly Queue[], basePath: string): QueueBoard {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  // Found here rather than by the board itself, whose own lookup (an eval of `require.resolve`)
  // does not survive bundling (rolldown.config.mjs).
  const uiDir = dirname(createRequire(import.meta.url).resolve('@bull-board/ui/package.json'));
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true, allowRetries: false })),
    serverAdapter,
    options: { uiBasePath: uiDir, uiConfig: { boardTitle: 'retention queues' } },
  });
  const views = mkdtempSync(join(tmpdir(), 'retention-console-board-'));
  const template = readFileSync(join(uiDir, 'dist', 'index.ejs'), 'utf8').replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, '');
  writeFileSync(join(views, 'index.ejs'), template);
  serverAdapter.setViewsPath(views);
  return {
    router: serverAdapter.getRouter() as Router,
    close: () => rmSync(views, { recursive: true, force: true }),
  };
}
