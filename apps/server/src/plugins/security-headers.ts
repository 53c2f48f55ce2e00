import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The built SPA is one module script and one stylesheet from /assets, with no inline code, so the
 * policy allows only this origin; `frame-ancestors 'none'` stops other sites framing the UI
 * (clickjacking). No `upgrade-insecure-requests`: the server is also used over plain http on localhost.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  // The favicon is an empty data: URL.
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

const HSTS = 'max-age=31536000; includeSubDomains';

/** CSP, nosniff and the rest of helmet's headers on every answer; HSTS only on answers sent over TLS. */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // Over plain http a browser ignores HSTS anyway; sent there it would only mislead a reader of the headers.
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    // request.protocol reads X-Forwarded-Proto only with TRUST_PROXY, so a client cannot ask for it.
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });
}
