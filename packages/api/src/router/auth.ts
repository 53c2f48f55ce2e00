import { accountFlags, changePassword } from '../services/password-change.ts';
import { signOutEverywhere } from '../services/sessions.ts';
import { changePasswordInput } from '../validators/account.ts';
import { authedProcedure, publicProcedure, router } from './trpc.ts';

// Signing in and out set and clear a cookie, so they are REST routes (`/api/auth/*`); `me` tells the UI
// who it is and whether it must ask for a new password first.
export const authRouter = router({
  me: publicProcedure.query(async ({ ctx }) =>
    ctx.viewer ? { ...ctx.viewer, ...(await accountFlags(ctx.deps, ctx.viewer.id)) } : null,
  ),
  changePassword: authedProcedure.input(changePasswordInput).mutation(({ ctx, input }) =>
    changePassword(ctx.deps, ctx.viewer, input, {
      currentSessionToken: ctx.sessionToken,
      guard: ctx.deps.passwordGuard,
      clientKey: ctx.clientKey,
    }),
  ),
  signOutEverywhere: authedProcedure.mutation(({ ctx }) => signOutEverywhere(ctx.deps, ctx.viewer.id)),
});
