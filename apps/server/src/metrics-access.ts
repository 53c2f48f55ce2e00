import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@kpi/api';
import type { FastifyRequest } from 'fastify';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Who may read /metrics (fleet-wide queue depth, process internals). With METRICS_TOKEN set: a caller
 * sending `Authorization: Bearer <token>`, compared in constant time (both sides hashed first, so the
 * length leaks nothing either). Without it: only a client on this machine talking to the socket itself;
 * a request that came through a proxy (it carries X-Forwarded-For) is not local even from 127.0.0.1.
 */
export function metricsGuard(token: string | undefined): (request: FastifyRequest) => void {
  if (token !== undefined) {
    const expected = digest(token);
    return (request) => {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
        throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>');
      }
    };
  }
  return (request) => {
    const local = LOOPBACK.has(request.socket.remoteAddress ?? '') && request.headers['x-forwarded-for'] === undefined;
    if (!local) throw new AppError('FORBIDDEN', 'Metrics are served to this machine only; set METRICS_TOKEN to scrape remotely');
  };
}
