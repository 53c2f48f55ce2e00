import {
  type ApiDeps,
  accountFlags,
  changePassword,
  changePasswordInput,
  login,
  loginInput,
  logout,
  normalizeEmail,
  signOutEverywhere,
} from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer, sessionCookieName } from '../plugins/authenticate.ts';
import type { SignInLimiter } from '../rate-limit-login.ts';

export function registerAuthRoutes(app: FastifyInstance, deps: ApiDeps, limiter: SignInLimiter): void {
  app.post('/api/auth/login', async (request, reply) => {
    const input = loginInput.parse(request.body ?? {});
    // Counted before the password is hashed, so parallel guesses cannot all be checked before the first
    // failure is recorded. Anything but a success (a wrong password, an unknown e-mail) stays counted.
    const attempt = await limiter.reserve(request.ip, normalizeEmail(input.email));
    const result = await login(deps, input);
    await attempt.succeeded();
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

  // Every session of the viewer ends, this one included; API tokens are not sessions and stay.
  app.post('/api/auth/sign-out-everywhere', async (request, reply) => {
    const result = await signOutEverywhere(deps, requireViewer(request).id);
    reply.clearCookie(sessionCookieName(request), { path: '/', secure: request.protocol === 'https' });
    return { success: true, data: result };
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
      currentSessionToken: request.authVia === 'session' ? request.cookies[sessionCookieName(request)] : undefined,
      guard: limiter,
      clientKey: request.ip,
    });
    return { success: true, data: result };
  });
}
