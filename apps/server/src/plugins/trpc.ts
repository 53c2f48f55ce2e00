import { type ApiDeps, appRouter, type Context, toAppError } from '@kpi/api';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';

// A batch runs its calls one after another in one request; a cap keeps one request from holding a worker.
export const TRPC_MAX_BATCH_SIZE = 20;

export async function registerTrpc(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      createContext: ({ req }): Context => ({ deps, viewer: req.viewer }),
      onError: ({ error, path, req }) => {
        if (toAppError(error).status >= 500) req.log.error({ err: error.cause ?? error, path }, 'trpc call failed');
      },
    } satisfies FastifyTRPCPluginOptions<typeof appRouter>['trpcOptions'],
  });
}
