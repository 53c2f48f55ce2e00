import { initTRPC, TRPCError } from '@trpc/server';
import type { ApiDeps, Viewer } from '../deps.ts';
import { toAppError } from '../to-app-error.ts';

export type Context = {
  deps: ApiDeps;
  viewer: Viewer | null;
  /** The session cookie of the request, if any: a password change keeps this session signed in. */
  sessionToken?: string;
  /** The client address, for the limits keyed by it. */
  clientKey?: string;
};

const t = initTRPC.context<Context>().create({
  // Never include stacks; errors carry our code and details for typed clients and the UI.
  isDev: false,
  errorFormatter({ shape, error }) {
    const appError = toAppError(error);
    return {
      message: appError.message,
      code: shape.code,
      data: { code: shape.data.code, httpStatus: appError.status, appCode: appError.code, details: appError.details ?? null },
    };
  },
});

export const router = t.router;
// Services throw AppError (or ZodError); this gives each the tRPC code, hence the HTTP status, of its AppError code.
export const publicProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const appError = toAppError(result.error);
  throw new TRPCError({ code: appError.trpcCode, message: appError.message, cause: appError });
});

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in or send an API token' });
  return next({ ctx: { ...ctx, viewer: ctx.viewer } });
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.viewer.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Only administrators may do this' });
  return next();
});

export const createCallerFactory = t.createCallerFactory;
