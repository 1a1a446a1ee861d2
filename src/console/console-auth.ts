import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export interface ConsoleCredentials {
  /** `Authorization: Bearer <token>`; also taken as a basic-auth password, so a browser can log in with it. */
  token: string;
  username: string;
  password: string;
}

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Whether an `Authorization` header carries the configured token or user and password. */
export function isAuthorized(header: string | undefined, credentials: ConsoleCredentials): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return credentials.token !== '' && same(value, credentials.token);
  if (scheme?.toLowerCase() !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (credentials.password !== '' && same(user, credentials.username) && same(password, credentials.password)) return true;
  return credentials.token !== '' && same(password, credentials.token);
}

/** Every request needs credentials; without them a 401 that asks the browser for basic auth. */
export function requireCredentials(credentials: ConsoleCredentials): RequestHandler {
  return (req, res, next) => {
    if (isAuthorized(req.headers.authorization, credentials)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="retention console", charset="UTF-8"')
      .type('text/plain')
      .send('401: credentials required\n');
  };
}
