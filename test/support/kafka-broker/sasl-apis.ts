import { Writer, type Reader } from '@platformatic/kafka';
import type { ApiContext, ApiHandler } from './api-context.js';

const UNSUPPORTED_SASL_MECHANISM = 33;
const SASL_AUTHENTICATION_FAILED = 58;

/** SaslHandshake v1 (not flexible): the test broker offers PLAIN only. */
export const saslHandshakeHandler: ApiHandler = {
  key: 17,
  version: 1,
  name: 'SaslHandshake',
  flexible: false,
  beforeAuthentication: true,
  handle(request: Reader) {
    const mechanism = request.readString(false);
    return Writer.create()
      .appendInt16(mechanism === 'PLAIN' ? 0 : UNSUPPORTED_SASL_MECHANISM)
      .appendArray(['PLAIN'], (w, m) => w.appendString(m, false), false, false);
  },
};

/**
 * SaslAuthenticate v2 with PLAIN (`\0user\0password`), checked against the broker's one account.
 * A failure answers SASL_AUTHENTICATION_FAILED with Kafka's own message; the connection then stays
 * unauthenticated (every other request closes it).
 */
export function saslAuthenticateHandler(account: { username: string; password: string }): ApiHandler {
  return {
    key: 36,
    version: 2,
    name: 'SaslAuthenticate',
    beforeAuthentication: true,
    handle(request: Reader, ctx: ApiContext) {
      const [, username, password] = request.readBytes().toString('utf8').split('\0');
      const ok = username === account.username && password === account.password;
      ctx.connection.authenticated = ok;
      return Writer.create()
        .appendInt16(ok ? 0 : SASL_AUTHENTICATION_FAILED)
        .appendString(ok ? null : 'Authentication failed: Invalid username or password')
        .appendBytes(Buffer.alloc(0))
        .appendInt64(0n)
        .appendTaggedFields();
    },
  };
}
