import type { FastifyInstance } from 'fastify';

export type Readiness = {
  /** A cheap round trip to the database; throws when it is unreachable. */
  ping: () => Promise<void>;
  schemaReady: () => boolean;
  scheduler: () => 'running' | 'disabled' | 'waiting';
};

/**
 * /readyz is unauthenticated, so a flood of it must not become a flood of queries: one ping answers
 * every request for this long (concurrent requests share the one in flight). Probes poll every few
 * seconds, so a second-old answer is still current for them.
 */
export const READINESS_CACHE_MS = 1000;

/** One database round trip per READINESS_CACHE_MS, however many callers ask; time from `now`. */
export function cachedPing(ping: () => Promise<void>, now: () => number): () => Promise<boolean> {
  let last: { at: number; reachable: Promise<boolean> } | undefined;
  return () => {
    const at = now();
    if (!last || at - last.at >= READINESS_CACHE_MS || at < last.at) {
      last = {
        at,
        reachable: ping().then(
          () => true,
          () => false,
        ),
      };
    }
    return last.reachable;
  };
}

export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness, now: () => number = Date.now): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  const databaseReachable = cachedPing(readiness.ping, now);
  app.get('/readyz', async (_request, reply) => {
    const database = (await databaseReachable()) ? 'ok' : 'unreachable';
    const schema = readiness.schemaReady() ? 'ok' : 'missing';
    const scheduler = readiness.scheduler();
    const ready = database === 'ok' && schema === 'ok' && scheduler !== 'waiting';
    reply.status(ready ? 200 : 503);
    return { ready, database, schema, scheduler };
  });
}
