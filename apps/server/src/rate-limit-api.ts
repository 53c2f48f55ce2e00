import { AppError } from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import type { RateCounters } from './rate-limit.ts';

const MINUTE_MS = 60_000;

/**
 * RATE_LIMIT_PER_MINUTE requests per user (all of a user's tokens and sessions together) on /api and
 * /trpc, anonymous callers per client address; over it, 429 with Retry-After until the minute ends.
 * Runs after authentication, so a request costs a Map update here and no database round trip.
 */
export function registerApiRateLimit(app: FastifyInstance, counters: RateCounters, perMinute: number): void {
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.url.startsWith('/api/') && !request.url.startsWith('/trpc/')) return done();
    const key = request.viewer ? `user:${request.viewer.id}` : `ip:${request.ip}`;
    const verdict = counters.hit(key, perMinute, MINUTE_MS);
    if (!verdict.limited) return done();
    done(new AppError('RATE_LIMITED', 'Too many requests; try again later', { retryAfterSeconds: verdict.retryAfterSeconds }));
  });
}
