import { AppError } from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import type { RateCounters } from './rate-limit.ts';
import { areaOf, trpcCallCount } from './request-path.ts';

const MINUTE_MS = 60_000;

/**
 * RATE_LIMIT_PER_MINUTE calls per user (all of a user's tokens and sessions together) on /api and
 * /trpc, anonymous callers per client address; over it, 429 with Retry-After until the minute ends.
 * Every call of a tRPC batch counts, counted here from the path before any of them runs: a batch of 20
 * previews did the work of 20 requests and used to count as one. Runs after authentication, so a
 * request costs a Map update here and no database round trip.
 */
export function registerApiRateLimit(app: FastifyInstance, counters: RateCounters, perMinute: number): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const area = areaOf(request);
    if (area === null) return done();
    const key = request.viewer ? `user:${request.viewer.id}` : `ip:${request.ip}`;
    const verdict = counters.hit(key, perMinute, MINUTE_MS, area === 'trpc' ? trpcCallCount(request) : 1);
    if (!verdict.limited) return done();
    done(new AppError('RATE_LIMITED', 'Too many requests; try again later', { retryAfterSeconds: verdict.retryAfterSeconds }));
  });
}
