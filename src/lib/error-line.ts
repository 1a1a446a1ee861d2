import { redactUrls } from '../logging/redact.js';

/** A one-line, password-free description of an error, for run documents and audit entries. */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? ` (${err.code})` : '';
  return redactUrls(message.split('\n')[0] ?? '').slice(0, 500) + code;
}
