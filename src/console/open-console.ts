import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load-config.js';
import { ConfigError } from '../errors/index.js';
import { openEngine } from '../engine/open-engine.js';
import { closeQueueConnection, createQueueConnection } from '../queue/queue-connection.js';
import { openRetentionQueues } from '../queue/retention-queues.js';
import { readChainLinks } from '../audit/read-chain-links.js';
import { readRunEntries } from '../audit/read-run-entries.js';
import { loadSigningKey } from '../audit/signing-key.js';
import { ConsoleData, type ConsoleEvidence } from './console-data.js';
import { startConsoleServer, type ConsoleServer } from './console-server.js';

/** Refuses, before any I/O, a console that is off or would be open to anyone. */
export function checkConsoleConfig(config: ResolvedConfig): void {
  const c = config.console;
  if (!c.enabled) throw new ConfigError([{ path: 'console.enabled', message: 'the console is off; set it to true to serve it' }]);
  if (c.token === '' && (c.username === '' || c.password === ''))
    throw new ConfigError([
      { path: 'console.token', message: 'the console needs credentials: a token, or username and password (normally ${file:…})' },
    ]);
}

/**
 * Opens what the console reads (the stores and the audit trail, the queue's Redis for Bull
 * Board) and serves it; `close` undoes it all, in reverse order.
 */
export async function openConsole(
  config: ResolvedConfig,
  logger: Logger,
  overrides: { host?: string; port?: number } = {},
): Promise<ConsoleServer> {
  checkConsoleConfig(config);
  const engine = await openEngine(config, { logger });
  const connection = createQueueConnection(config.queue.redisUrl, { logger, connectionName: 'retention-console' });
  const queues = openRetentionQueues(config.queue, connection, logger);
  const evidence: ConsoleEvidence | null =
    engine.checkpoints && config.audit.signingKey !== ''
      ? {
          checkpoints: engine.checkpoints,
          signingKey: loadSigningKey(config.audit.signingKey),
          links: () => readChainLinks(engine.mysql.pool, engine.audit.tables),
          runStarted: async (purge) =>
            (
              await readRunEntries(engine.mysql.pool, engine.audit.tables, purge.runId, { policy: purge.policy ?? '', kind: 'run-started' })
            )[0] ?? null,
        }
      : null;
  try {
    const server = await startConsoleServer({
      host: overrides.host ?? config.console.host,
      port: overrides.port ?? config.console.port,
      credentials: { token: config.console.token, username: config.console.username, password: config.console.password },
      data: new ConsoleData(engine.ctx, engine.audit, (policy) => engine.mysql.isPolicyLocked(policy), {}, evidence),
      queues: [queues.runs, queues.targets],
      logger,
    });
    return {
      ...server,
      async close() {
        await server.close();
        await queues.close();
        await closeQueueConnection(connection);
        await engine.close();
      },
    };
  } catch (err) {
    await queues.close();
    await closeQueueConnection(connection);
    await engine.close();
    throw err;
  }
}
