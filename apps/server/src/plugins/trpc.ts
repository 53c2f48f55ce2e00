import { type ApiDeps, AppError, appRouter, type Context, toAppError } from '@kpi/api';
import type { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { splitUrl } from '../request-path.ts';
import { sessionCookieName } from './authenticate.ts';

// tRPC runs the calls of a batch concurrently; a cap keeps one request from starting more than this.
export const TRPC_MAX_BATCH_SIZE = 20;
const ENDPOINT = '/trpc';
// tRPC reads only the path and query of the URL; a fixed origin keeps a malformed Host header from
// failing the Request constructor.
const ORIGIN = 'http://trpc.invalid';
// The headers tRPC's handler reads: the body's type and which answer format the client accepts.
const FORWARDED_HEADERS = ['content-type', 'trpc-accept', 'accept', 'trpc-batch-mode'] as const;

/**
 * tRPC at /trpc, through tRPC's own fetch handler. Its answer is read whole and sent in one buffered
 * write with a content length, except a streamed (JSON Lines) answer, which is piped as it comes. tRPC's
 * Fastify adapter streams every answer chunked, which measured slower for the small answers this API
 * gives (bench/http.ts).
 */
export async function registerTrpc(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    // Fastify answers HEAD with the GET route; tRPC answers it with an empty 204 and runs nothing.
    if (request.method === 'HEAD') return reply.status(204).send();
    const ctx: Context = {
      deps,
      viewer: request.viewer,
      sessionToken: request.authVia === 'session' ? request.cookies[sessionCookieName(request)] : undefined,
      clientKey: request.ip,
    };
    const response = await fetchRequestHandler({
      endpoint: ENDPOINT,
      req: toFetchRequest(request),
      router: appRouter,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      createContext: () => ctx,
      onError: ({ error, path }: { error: TRPCError; path: string | undefined }) => {
        if (toAppError(error).status >= 500) request.log.error({ err: error.cause ?? error, path }, 'trpc call failed');
      },
    });
    reply.status(response.status);
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding') reply.header(name, value);
    });
    reply.header('vary', 'trpc-accept, accept');
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

function toFetchRequest(request: FastifyRequest): Request {
  // The URL as the router read it: `GET http://host/trpc/...` and `/%74rpc/...` reach this route too, so
  // the procedures are what follows the first path segment, however that segment is spelled.
  const { rawPath, query } = splitUrl(request.url);
  const procedures = rawPath.slice(rawPath.indexOf('/', 1) + 1);
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  // A mutation that takes no input may come with an empty body, which tRPC would fail to parse as JSON.
  const body = request.method === 'POST' ? (request.body as string | undefined) || '{}' : undefined;
  return new Request(`${ORIGIN}${ENDPOINT}/${procedures}${query ? `?${query}` : ''}`, { method: request.method, headers, body });
}
