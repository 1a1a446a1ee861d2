import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { QueueJobProcessor } from '../queue/queue-job-context.js';
import type { TerminalSink } from './terminal/terminal-sink.js';

/** Where a command writes: documents and tables to stdout, logs (pino) to stderr. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  logger: Logger;
  /** stderr, when it is a terminal and logs go to it (live progress draws there); else absent. */
  terminal?: TerminalSink | undefined;
  /** Whether stdout is a terminal (live progress needs both). */
  stdoutIsTTY?: boolean | undefined;
  /** Stdout as a stream, for output too large to hold (exports): writes wait for the reader. Absent when `stdout` is captured. */
  stdoutStream?: Writable;
  /**
   * Loads the queue's job processor (`jobs/`), for `retention worker`. Handed down by the entry
   * point (`bin/retention.js`), which sits above both the CLI and `jobs/`, so neither imports upward.
   */
  loadJobProcessor?: () => Promise<QueueJobProcessor>;
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

/**
 * Writes to stdout and waits while the reader is behind. A listing of a million entries through
 * a pipe would otherwise queue every line in memory (Node's pipe writes are asynchronous).
 */
export async function writeStdout(io: CliIo, text: string): Promise<void> {
  const out = io.stdoutStream;
  if (!out) {
    io.stdout(text);
    return;
  }
  if (!out.write(text)) await once(out, 'drain');
}
