import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';

export interface ExtensionCorsOptions {
  /**
   * Which cross-origin callers may use the API: by default every browser-extension origin
   * (`chrome-extension://<id>`, `moz-extension://<uuid>`; Firefox makes a new uuid per install, so
   * it cannot be pinned). Web pages are never allowed: they are what a stolen-click attack runs in.
   */
  isAllowed?: (origin: string) => boolean;
  /** How long a browser may cache a preflight answer (seconds). */
  maxAgeSeconds?: number;
}

const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension):\/\/[a-z0-9-]{1,64}$/;

export const isExtensionOrigin = (origin: string): boolean => EXTENSION_ORIGIN.test(origin);

const ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key';
const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const EXPOSE_HEADERS = 'x-merge-id';

/**
 * CORS for the companion (X3): the extension's origins get the API with the Authorization and
 * Idempotency-Key headers; any other cross-origin caller is refused (403, nothing runs) whether it
 * sends a preflight or a "simple" request a browser would not preflight. Callers without an
 * `Origin` header (servers, command-line tools, HubSpot's client) and same-origin pages pass.
 */
export function extensionCors(options: ExtensionCorsOptions = {}): MiddlewareHandler {
  const isAllowed = options.isAllowed ?? isExtensionOrigin;
  const maxAge = String(options.maxAgeSeconds ?? 600);
  return async function extensionCorsMiddleware(c, next) {
    const origin = c.req.header('origin');
    if (!origin || origin === new URL(c.req.url).origin) {
      await next();
      return;
    }
    if (!isAllowed(origin)) {
      throw new ApiError('FORBIDDEN', `Cross-origin requests from ${origin} are not allowed: only the browser extension may call this API from a browser`, {
        errors: [{ message: 'origin not allowed', in: 'header:origin' }],
      });
    }
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Vary', 'Origin', { append: true });
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      c.header('Access-Control-Allow-Methods', ALLOW_METHODS);
      c.header('Access-Control-Allow-Headers', ALLOW_HEADERS);
      c.header('Access-Control-Max-Age', maxAge);
      return c.body(null, 204);
    }
    c.header('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    await next();
  };
}
