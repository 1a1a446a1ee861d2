import { Command, CommanderError, Option } from 'commander';
import { createLogger, logFormatFor } from '../logging/logger.js';
import { TerminalSink } from './terminal/terminal-sink.js';
import { WORKER_VERSION } from '../version.js';
import { reportError, EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { registerCommands } from './register-commands.js';

/**
 * The CLI entry point: parses `argv`, runs one verb, and returns its exit code. Verbs live in
 * `commands/`, one file each; errors become exit codes in one place (`exit-codes.ts`).
 */
export async function main(argv: readonly string[], io?: Partial<CliIo>): Promise<number> {
  const verbose = argv.includes('--verbose');
  const json = argv.includes('--json');
  // A terminal on stderr gets readable logs and live progress; anything else gets JSON lines.
  const terminal = io?.logger === undefined && process.stderr.isTTY ? new TerminalSink(process.stderr) : undefined;
  const format = logFormatFor(process.env.LOG_FORMAT, terminal !== undefined);
  const cliIo: CliIo = {
    stdout: io?.stdout ?? ((t) => process.stdout.write(t)),
    stderr: io?.stderr ?? ((t) => process.stderr.write(t)),
    logger:
      io?.logger ??
      createLogger({ level: verbose ? 'debug' : undefined, format, ...(terminal && format === 'pretty' ? { destination: terminal } : {}) }),
    terminal,
    stdoutIsTTY: io?.stdout === undefined && process.stdout.isTTY === true,
    ...(io?.stdout ? {} : { stdoutStream: process.stdout }),
    ...(io?.loadJobProcessor ? { loadJobProcessor: io.loadJobProcessor } : {}),
  };
  if (!io?.stdout) endQuietlyOnClosedStdout();
  let exitCode: number = EXIT.ok;
  const program = new Command('retention')
    .description('Enforces data-retention promises on MySQL, MongoDB and Redis, with a verifiable audit trail.')
    .version(WORKER_VERSION)
    .addOption(new Option('-c, --config <file>', 'configuration file (else $RETENTION_CONFIG, else config/retention.yaml)'))
    .option('--verbose', 'debug logs, and stack traces on errors')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => cliIo.stdout(s), writeErr: (s) => cliIo.stderr(s) });

  registerCommands(program, cliIo, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      if (json) cliIo.stdout(`${JSON.stringify({ error: { code: EXIT.usage, kind: 'usage', message: err.message } }, null, 2)}\n`);
      return EXIT.usage;
    }
    return reportError(err, cliIo, { json, verbose });
  }
  return exitCode;
}

let watchingStdout = false;

/**
 * The one place a closed stdout is handled, for every command: `retention audit list | head -1`
 * closes the pipe early, which is the reader's choice, not a failure. The process then ends at
 * once with exit 0 and says nothing (like `cat` or `git log`). Other stdout errors stay errors.
 */
function endQuietlyOnClosedStdout(): void {
  if (watchingStdout) return;
  watchingStdout = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
}
