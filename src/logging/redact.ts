const URL_WITH_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^:/?#@\s]*):([^@/?#\s]*)@/gi;

/** Replaces the password of every `scheme://user:password@host` in a text with `***`. */
export function redactUrls(text: string): string {
  return text.replace(URL_WITH_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** A URL safe to print: its password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  return redactUrls(url);
}
