import { pino, type Logger, type DestinationStream } from 'pino';
import { createRequire } from 'node:module';
import { redactCommand, redactUrls } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stderr by default (stdout is kept for `--json` documents). */
  destination?: DestinationStream;
  /**
   * `json` (one pino JSON object a line) everywhere but a terminal; `pretty` (level names,
   * local time, colours) for a person at one. See `logFormatFor`.
   * @defaultValue 'json'
   */
  format?: LogFormat;
}

export type LogFormat = 'json' | 'pretty';

/**
 * `LOG_FORMAT=json|pretty` when set; otherwise pretty only when the logs go to a terminal, so a
 * container, a CronJob or a pipe always gets JSON.
 */
export function logFormatFor(env: string | undefined, stderrIsTTY: boolean): LogFormat {
  if (env === 'json' || env === 'pretty') return env;
  return stderrIsTTY ? 'pretty' : 'json';
}

/**
 * The one root logger: pino JSON on stderr. URLs are redacted in every string field and in
 * error messages; record contents are never passed to it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'retention-worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['url', '*.url', 'password', '*.password', 'auditKey', '*.key'], censor: '***' },
      formatters: {
        log(object) {
          return redactObject(object) as Record<string, unknown>;
        },
      },
      serializers: {
        err: (err: unknown) => {
          // Drop the driver's copy of the statement (mysql2 `sql`): it holds bound values, such as subject ids.
          const { sql: _sql, ...s } = pino.stdSerializers.err(err as Error) as ReturnType<typeof pino.stdSerializers.err> & {
            sql?: unknown;
          };
          // ioredis reply errors carry the command, with a wrong password as an AUTH/HELLO argument.
          const command = 'command' in s ? { command: redactCommand(s.command) } : {};
          return { ...s, ...command, message: redactUrls(s.message), stack: s.stack ? redactUrls(s.stack) : undefined };
        },
      },
    },
    options.format === 'pretty' ? prettyDestination(options.destination ?? process.stderr) : (options.destination ?? pino.destination(2)),
  );
}

/**
 * Formats each JSON line as it is written, synchronously: pino-pretty's transport runs in a
 * worker thread and can lose the last lines of a CLI that exits right after logging them.
 * Redaction has already happened (the line is pino's output).
 */
function prettyDestination(out: DestinationStream): DestinationStream {
  // Loaded only for a terminal: a JSON run (cron, the container) does not pay its 50 ms import.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const pretty = prettyFactory({
    colorize: (out as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
  return { write: (line: string) => out.write(pretty(line)) };
}

function redactObject(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactUrls(value);
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactObject(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactObject(k === 'command' ? redactCommand(v) : v, depth + 1);
  return out;
}

/** A logger that writes nothing, for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
