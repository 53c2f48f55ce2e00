import { type ApiDeps, AppError, appRouter, type Context, toAppError } from '@kpi/api';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';

// A batch runs its calls one after another in one request; a cap keeps one request from holding a worker.
export const TRPC_MAX_BATCH_SIZE = 20;

export async function registerTrpc(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  // tRPC's fastify adapter hands a multipart body to its JSON code as a raw stream and fails with a 500
  // (a circular JSON.stringify); no procedure takes form data, so anything but JSON is refused up front.
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' || !request.url.startsWith('/trpc/')) return;
    const type = request.headers['content-type'];
    if (type !== undefined && !/^application\/json\b/i.test(type)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    }
  });
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
