import type { Logger } from 'pino';

/** Where a command writes: documents and tables to stdout, logs (pino) to stderr. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  logger: Logger;
}

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
  verbose?: boolean;
  json?: boolean;
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
