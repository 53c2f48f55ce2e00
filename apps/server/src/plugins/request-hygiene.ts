import { randomUUID } from 'node:crypto';
import { AppError } from '@kpi/api';
import type { FastifyInstance } from 'fastify';

// A host name, an IPv4 address or a bracketed IPv6 address, with an optional port. Underscores pass:
// container host names (`app_1`) have them, and the URL parser accepts them.
const HOST = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
// A client's request id is echoed and logged: only a short token that cannot break a log line or header.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Fastify's genReqId: the client's X-Request-Id when it is a safe token, else a fresh one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Refuses a Host header that is not a host name before any route builds a URL from it; echoes the
 * request id so a caller can quote it.
 */
export function registerRequestHygiene(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const host = request.headers.host;
    if (host !== undefined && !HOST.test(host)) throw new AppError('VALIDATION_ERROR', 'The Host header is not valid');
  });
}
