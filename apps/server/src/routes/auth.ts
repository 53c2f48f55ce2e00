import { type ApiDeps, AppError, login, loginInput, logout } from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer, sessionCookieName } from '../plugins/authenticate.ts';
import type { SignInLimiter } from '../rate-limit-login.ts';

export function registerAuthRoutes(app: FastifyInstance, deps: ApiDeps, limiter: SignInLimiter): void {
  app.post('/api/auth/login', async (request, reply) => {
    const input = loginInput.parse(request.body ?? {});
    const keys = [`ip:${request.ip}`, `email:${input.email.trim().toLowerCase()}`];
    limiter.check(keys);
    let result: Awaited<ReturnType<typeof login>>;
    try {
      result = await login(deps, input);
    } catch (error) {
      if (error instanceof AppError && error.code === 'INVALID_CREDENTIALS') limiter.recordFailure(keys);
      throw error;
    }
    limiter.recordSuccess(keys);
    reply.setCookie(sessionCookieName(request), result.sessionToken, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      // Secure whenever the request arrived over TLS (directly, or through a trusted proxy).
      secure: request.protocol === 'https',
      expires: result.expiresAt,
    });
    return { success: true, data: { user: result.viewer } };
  });

  app.post('/api/auth/logout', async (request, reply) => {
    const cookie = request.cookies[sessionCookieName(request)];
    if (cookie) await logout(deps, cookie);
    reply.clearCookie(sessionCookieName(request), { path: '/', secure: request.protocol === 'https' });
    return { success: true };
  });

  app.get('/api/auth/me', async (request) => ({ success: true, data: { user: requireViewer(request) } }));
}
