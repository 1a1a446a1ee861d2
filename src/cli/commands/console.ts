import { once } from 'node:events';
import { UsageError } from '../../errors/index.js';
import { checkConsoleConfig, openConsole } from '../../console/open-console.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo, GlobalOptions } from '../io.js';
import { loadConfig } from '../load.js';

export interface ConsoleOptions extends GlobalOptions {
  port?: string;
  host?: string;
}

/** `retention console`: serves the read-only web console until SIGTERM or SIGINT. */
export async function consoleCommand(opts: ConsoleOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  checkConsoleConfig(config);
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new UsageError(`--port ${opts.port}: expected 0–65535`);
  const server = await openConsole(config, io.logger, { port, host: opts.host });
  io.stdout(`console at ${server.url} (read-only; Ctrl-C to stop)\n`);
  const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
  io.logger.info({ signal: signal[0] }, 'console stopping');
  await server.close();
  return EXIT.ok;
}
