import { type ApiDeps, AppError, accountFlags, changePassword, changePasswordInput, login, loginInput, logout } from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer, SESSION_COOKIE } from '../plugins/authenticate.ts';
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
    reply.setCookie(SESSION_COOKIE, result.sessionToken, {
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
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) await logout(deps, cookie);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { success: true };
  });

  app.get('/api/auth/me', async (request) => {
    const viewer = requireViewer(request);
    return { success: true, data: { user: { ...viewer, ...(await accountFlags(deps, viewer.id)) } } };
  });

  // Wrong current passwords count against the same sign-in limits (e-mail and address) as the login form.
  app.post('/api/auth/password', async (request) => {
    const viewer = requireViewer(request);
    const input = changePasswordInput.parse(request.body ?? {});
    const result = await changePassword(deps, viewer, input, {
      currentSessionToken: request.authVia === 'session' ? request.cookies[SESSION_COOKIE] : undefined,
      guard: limiter,
      clientKey: request.ip,
    });
    return { success: true, data: result };
  });
}
