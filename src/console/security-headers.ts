import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Scripts and styles from the console's own origin only (no inline code, no CDN), never framed,
 * no referrer. `inlineStyles` is for Bull Board's bundled UI, which sets inline style attributes
 * (it has no inline scripts; its CDN font link is removed from its page, see queue-board.ts).
 */
export function securityHeaders(options: { inlineStyles?: boolean } = {}): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: options.inlineStyles ? ["'self'", "'unsafe-inline'"] : ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
