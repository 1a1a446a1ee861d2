/** The database used when a MongoDB URL names none (`mongodb://host:27017/`). */
export const DEFAULT_MONGO_DATABASE = 'im';

/**
 * The database named in a MongoDB URL's path: `mongodb://host/im?…` → `im`, with the default
 * `im` when the path is empty. Parsed by hand because a seed list (`mongodb://a:1,b:2/im`) is
 * not a valid WHATWG URL.
 */
export function mongoDatabaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*(?:\/([^?#]*))?/i.exec(url);
  const path = match?.[1] ?? '';
  return path === '' ? DEFAULT_MONGO_DATABASE : decodeURIComponent(path);
}
