import type { FastifyInstance } from 'fastify';

export type Readiness = {
  /** A cheap round trip to the database; throws when it is unreachable. */
  ping: () => Promise<void>;
  schemaReady: () => boolean;
  scheduler: () => 'running' | 'disabled' | 'waiting';
};

export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let database: 'ok' | 'unreachable' = 'ok';
    try {
      await readiness.ping();
    } catch {
      database = 'unreachable';
    }
    const schema = readiness.schemaReady() ? 'ok' : 'missing';
    const scheduler = readiness.scheduler();
    const ready = database === 'ok' && schema === 'ok' && scheduler !== 'waiting';
    reply.status(ready ? 200 : 503);
    return { ready, database, schema, scheduler };
  });
}
