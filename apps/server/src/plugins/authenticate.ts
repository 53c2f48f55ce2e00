import { type ApiDeps, AppError, type Viewer, viewerFromApiToken, viewerFromSession } from '@kpi/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CredentialLimiter } from '../rate-limit-credentials.ts';
import { areaOf } from '../request-path.ts';
import { ViewerCache } from '../viewer-cache.ts';

export const SESSION_COOKIE = 'kpi_session';

/**
 * Over TLS the session cookie is `__Host-kpi_session`: a browser keeps such a cookie only if it is
 * Secure, for Path=/ and without Domain, so a sibling subdomain or a plain-http page cannot plant or
 * overwrite it. The plain name is not read over TLS, even during a change-over: reading it would let a
 * planted cookie back in (at worst, the user signs in once more).
 */
export function sessionCookieName(request: FastifyRequest): string {
  return request.protocol === 'https' ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | null;
    /** How the viewer was identified: cookie requests are the ones CSRF checks apply to. */
    authVia: 'session' | 'token' | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Resolves the caller on every /api and /trpc request: a bearer token first (services), else the
 * session cookie (the UI). A present but unknown bearer token is a 401 at once, not an anonymous request;
 * an unknown cookie leaves the request anonymous. Either failure counts against the client address, and
 * an address over the limit is refused before its credential is looked up.
 */
export function registerAuthentication(
  app: FastifyInstance,
  deps: ApiDeps,
  cache: ViewerCache,
  limiter: CredentialLimiter,
): void {
  const resolve = async (kind: 'token' | 'session', credential: string): Promise<Viewer | undefined> => {
    const key = ViewerCache.key(kind, credential);
    const cached = cache.get(key);
    if (cached) return cached;
    const viewer = kind === 'token' ? await viewerFromApiToken(deps, credential) : await viewerFromSession(deps, credential);
    if (viewer) cache.set(key, viewer);
    return viewer;
  };
  app.decorateRequest('viewer', null);
  app.decorateRequest('authVia', null);
  app.addHook('onRequest', async (request, reply) => {
    if (areaOf(request) === null) return;
    const header = request.headers.authorization;
    const cookie = header === undefined ? request.cookies[sessionCookieName(request)] : undefined;
    if (header === undefined && !cookie) return;
    // Before the cache too: a blocked address gets nothing for any credential, cached or not.
    limiter.check(request.ip);
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const viewer = match?.[1] ? await resolve('token', match[1]) : undefined;
      if (!viewer) {
        limiter.recordFailure(request.ip);
        throw new AppError('UNAUTHENTICATED', 'The API token is missing, malformed, unknown or revoked');
      }
      request.viewer = viewer;
      request.authVia = 'token';
    } else if (cookie) {
      const viewer = await resolve('session', cookie);
      if (!viewer) {
        limiter.recordFailure(request.ip);
        // Otherwise a browser keeps sending a dead cookie on every call, and its own address gets blocked.
        reply.clearCookie(sessionCookieName(request), { path: '/', secure: request.protocol === 'https' });
        return;
      }
      request.viewer = viewer;
      request.authVia = 'session';
      rejectCrossSite(request);
    }
    if (request.viewer) request.log = request.log.child({ userId: request.viewer.id });
  });
}

/**
 * Cookie-authenticated writes must come from our own pages. SameSite=Lax already keeps the cookie off
 * cross-site POSTs; this also stops same-site origins (a sibling subdomain) and `text/plain` form posts.
 */
function rejectCrossSite(request: FastifyRequest): void {
  if (!UNSAFE.has(request.method)) return;
  if (request.headers['sec-fetch-site'] === 'cross-site') throw new AppError('FORBIDDEN', 'Cross-site request refused');
  const origin = request.headers.origin;
  // Scheme, host and port: an http page on our own host name is another origin than our https one.
  if (origin !== undefined && originOf(origin) !== originOf(`${request.protocol}://${request.headers.host}`)) {
    throw new AppError('FORBIDDEN', 'Cross-origin request refused');
  }
  const type = request.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
  }
}

/** The serialised origin (`https://host:port`, default port left out); undefined when not a URL (`null`). */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

export function requireViewer(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new AppError('UNAUTHENTICATED', 'Sign in or send an API token');
  return request.viewer;
}
