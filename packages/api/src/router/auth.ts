import { publicProcedure, router } from './trpc.ts';

// Signing in and out set and clear a cookie, so they are REST routes (`/api/auth/*`); this tells the UI who it is.
export const authRouter = router({
  me: publicProcedure.query(({ ctx }) => ctx.viewer),
});
