import { type ApiDeps, AppError, appRouter, type Context, toAppError } from '@kpi/api';
import type { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './authenticate.ts';
import { answerJsonCall } from './trpc-json-call.ts';

// A batch runs its calls one after another in one request; a cap keeps one request from holding a worker.
export const TRPC_MAX_BATCH_SIZE = 20;
const ENDPOINT = '/trpc';

/**
 * tRPC at /trpc. The JSON protocol of `httpLink` and `httpBatchLink` (the web app's and @kpi/client's
 * links) is answered by `answerJsonCall` in one buffered write. A client that asks for a streamed answer
 * (`httpBatchStreamLink`) goes through tRPC's own fetch handler, which knows that protocol.
 */
export async function registerTrpc(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const onError =
    (request: FastifyRequest) =>
    ({ error, path }: { error: TRPCError; path: string | undefined }) => {
      if (toAppError(error).status >= 500) request.log.error({ err: error.cause ?? error, path }, 'trpc call failed');
    };
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    // Fastify answers HEAD with the GET route; tRPC answers it with an empty 204 and runs nothing.
    if (request.method === 'HEAD') return reply.status(204).send();
    const ctx: Context = {
      deps,
      viewer: request.viewer,
      sessionToken: request.authVia === 'session' ? request.cookies[SESSION_COOKIE] : undefined,
      clientKey: request.ip,
    };
    // The body arrives as the raw text (see the parser below): it is parsed once, by the handler.
    const body = request.method === 'POST' ? ((request.body as string | undefined) ?? '') : undefined;
    reply.header('vary', 'trpc-accept, accept');
    if (wantsStream(request)) return answerWithFetchHandler(request, reply, ctx, body);
    const queryAt = request.url.indexOf('?');
    const answer = await answerJsonCall({
      router: appRouter,
      method: request.method as 'GET' | 'POST',
      rawPath: request.url.slice(ENDPOINT.length + 1, queryAt === -1 ? undefined : queryAt),
      query: new URLSearchParams(queryAt === -1 ? '' : request.url.slice(queryAt + 1)),
      body,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      ctx,
      onError: onError(request),
    });
    return reply.status(answer.status).type('application/json').send(answer.body);
  };

  const answerWithFetchHandler = async (request: FastifyRequest, reply: FastifyReply, ctx: Context, body: string | undefined) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    const response = await fetchRequestHandler({
      endpoint: ENDPOINT,
      req: new Request(`http://${request.headers.host ?? 'localhost'}${request.url}`, { method: request.method, headers, body }),
      router: appRouter,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      createContext: () => ctx,
      onError: onError(request),
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
      url: `${ENDPOINT}/*`,
      // No procedure takes form data: a body other than JSON is refused before tRPC sees it.
      preValidation: async (request) => {
        if (request.method !== 'POST') return;
        const type = request.headers['content-type'];
        if (type === undefined || !/^application\/json\b/i.test(type)) {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
        }
      },
      handler: handle,
    });
  });
}

/** Whether the client asked for tRPC's streamed (JSON Lines) answer, as `httpBatchStreamLink` does. */
function wantsStream(request: FastifyRequest): boolean {
  const accept = request.headers['trpc-accept'] ?? request.headers.accept;
  return typeof accept === 'string' && accept.split(',').some((item) => item.trim() === 'application/jsonl');
}
