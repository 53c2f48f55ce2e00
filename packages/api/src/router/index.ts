import { authRouter } from './auth.ts';
import { schedulesRouter } from './schedules.ts';
import { tokensRouter } from './tokens.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  schedules: schedulesRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
