const URL_WITH_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^:/?#@\s]*):([^@/?#\s]*)@/gi;

/** Replaces the password of every `scheme://user:password@host` in a text with `***`. */
export function redactUrls(text: string): string {
  return text.replace(URL_WITH_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** A URL safe to print: its password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  return redactUrls(url);
}

/**
 * Redis commands whose arguments carry credentials: AUTH and HELLO (`HELLO 3 AUTH user pass`), and
 * those that can set or pass one (MIGRATE … AUTH, ACL SETUSER >pass, CONFIG SET requirepass).
 */
const SECRET_COMMANDS = new Set(['auth', 'hello', 'migrate', 'acl', 'config']);

/**
 * An ioredis error's `command` (`{ name, args }`, attached to every reply error) with the
 * arguments of a credential-carrying command replaced by `***`: a wrong password would otherwise
 * be logged in clear on every reconnect.
 */
export function redactCommand(command: unknown): unknown {
  if (command === null || typeof command !== 'object') return command;
  const { name, args } = command as { name?: unknown; args?: unknown };
  if (typeof name !== 'string' || !SECRET_COMMANDS.has(name.toLowerCase())) return command;
  return { ...(command as object), args: Array.isArray(args) ? args.map(() => '***') : '***' };
}
