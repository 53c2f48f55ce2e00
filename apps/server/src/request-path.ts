import type { FastifyRequest } from 'fastify';

/**
 * Which part of the server a request is for, decided the way the router decides it, never on the raw
 * request line. The router (find-my-way) reduces an absolute-form URL (`GET http://host/api/x`) to its
 * path and decodes percent-escapes (`/%61pi/x` is `/api/x`), so a check of `request.url` against
 * '/api/' let both spellings past the authentication and the rate limit.
 */
export type Area = 'api' | 'trpc' | null;

const AREA = /^\/(api|trpc)(\/|$)/;

/** The URL's path still percent-encoded (an absolute form reduced to its path) and its query. */
export function splitUrl(url: string): { rawPath: string; query: string } {
  let rest = url;
  if (!rest.startsWith('/')) {
    const authority = rest.indexOf('://');
    const pathAt = authority === -1 ? -1 : rest.slice(authority + 3).search(/[/?#]/);
    rest = pathAt === -1 ? '/' : rest.slice(authority + 3 + pathAt);
    if (!rest.startsWith('/')) rest = `/${rest}`;
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const queryAt = rest.indexOf('?');
  return queryAt === -1 ? { rawPath: rest, query: '' } : { rawPath: rest.slice(0, queryAt), query: rest.slice(queryAt + 1) };
}

/** The path of a request URL as the router sees it: no scheme and host, no query or fragment, decoded. */
export function decodedPath(url: string): string {
  const { rawPath } = splitUrl(url);
  try {
    return decodeURIComponent(rawPath);
  } catch {
    // The router refuses such a URL (FST_ERR_BAD_URL); what it is for does not matter then.
    return rawPath;
  }
}

/**
 * The matched route decides (`routeOptions.url`, what the router actually served); a request no route
 * matched is placed by its decoded path, so an unknown `/api/...` path is still API traffic.
 */
export function areaOf(request: FastifyRequest): Area {
  const match = AREA.exec(request.routeOptions.url ?? '') ?? AREA.exec(decodedPath(request.url));
  return (match?.[1] as Area | undefined) ?? null;
}

/**
 * How many procedure calls a /trpc request makes: tRPC's wire protocol names every call of a batch in
 * the path (`/trpc/a,b,c?batch=1`), whichever adapter serves it, so this holds for tRPC's own Fastify
 * adapter as for the hand-written host in plugins/trpc.ts.
 */
export function trpcCallCount(request: FastifyRequest): number {
  const query = request.query as Record<string, unknown> | undefined;
  if (query?.batch !== '1') return 1;
  const path = decodedPath(request.url);
  const procedures = path.slice(path.indexOf('/', 1) + 1);
  return Math.max(1, procedures.split(',').length);
}
