import { ConfigError, RefusalError, StoreError, UsageError } from '../errors/index.js';
import { redactUrls } from '../logging/redact.js';
import type { CliIo } from './io.js';

/** Exit codes, everywhere: 0 success; 1 the answer is "no"; 2 bad usage or configuration; 3 could not check. */
export const EXIT = { ok: 0, no: 1, usage: 2, cannotCheck: 3 } as const;

/**
 * The one place errors become exit codes and messages. `unreachable` is the code a command gives
 * when a store cannot be reached: 3 for checking commands, 1 for `run`.
 */
export function reportError(
  err: unknown,
  io: CliIo,
  options: { json?: boolean | undefined; verbose?: boolean | undefined; unreachable?: number },
): number {
  let code: number;
  let kind: string;
  if (err instanceof ConfigError || err instanceof UsageError) {
    code = EXIT.usage;
    kind = err instanceof ConfigError ? 'config' : 'usage';
  } else if (err instanceof RefusalError) {
    code = EXIT.no;
    kind = 'refused';
  } else if (err instanceof StoreError || isConnectionError(err)) {
    code = options.unreachable ?? EXIT.cannotCheck;
    kind = 'store';
  } else {
    code = options.unreachable ?? EXIT.cannotCheck;
    kind = 'internal';
  }
  const message = redactUrls(err instanceof Error ? err.message : String(err));
  io.stderr(`retention: ${message}\n`);
  if (options.verbose && err instanceof Error && err.stack) io.stderr(`${redactUrls(err.stack)}\n`);
  if (options.json) io.stdout(`${JSON.stringify({ error: { code, kind, message } }, null, 2)}\n`);
  return code;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
]);

function isConnectionError(err: unknown): boolean {
  const code = err && typeof err === 'object' && 'code' in err ? (err as { code: unknown }).code : undefined;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}
