import { type ApiDeps, AppError, appRouter, type Context, toAppError } from '@kpi/api';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// A batch runs its calls one after another in one request; a cap keeps one request from holding a worker.
export const TRPC_MAX_BATCH_SIZE = 20;

/**
 * tRPC at /trpc through its fetch handler, answered by Fastify in one write with a Content-Length.
 * tRPC's own Fastify adapter streams every answer as a chunked body through a WritableStream; measured
 * here, that cost more than half of the throughput of `schedules.list` (bench/http.ts).
 */
export async function registerTrpc(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    // The body arrives as the raw text (see the parser below): tRPC parses it once, as it would itself.
    const body = request.method === 'POST' ? ((request.body as string | undefined) ?? '') : undefined;
    const response = await fetchRequestHandler({
      endpoint: '/trpc',
      req: new Request(`http://${request.headers.host ?? 'localhost'}${request.url}`, { method: request.method, headers, body }),
      router: appRouter,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      createContext: (): Context => ({ deps, viewer: request.viewer }),
      onError: ({ error, path }) => {
        if (toAppError(error).status >= 500) request.log.error({ err: error.cause ?? error, path }, 'trpc call failed');
      },
    });
    reply.status(response.status);
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding') reply.header(name, value);
    });
    return reply.send(await response.text());
  };
  await app.register(async (scope) => {
    // Within this scope JSON bodies stay text: parsing them here only to serialise them again for tRPC
    // would cost time, and re-serialising a deeply nested body overflows the stack.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => done(null, text));
    scope.route({
      method: ['GET', 'POST'],
      url: '/trpc/*',
      // No procedure takes form data: a body other than JSON is refused before tRPC sees it.
      preValidation: async (request) => {
        if (request.method !== 'POST') return;
        const type = request.headers['content-type'];
        if (type !== undefined && !/^application\/json\b/i.test(type)) {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
        }
      },
      handler: handle,
    });
  });
}
