import { authRouter } from './auth.ts';
import { kpisRouter } from './kpis.ts';
import { runsRouter } from './runs.ts';
import { schedulerRouter } from './scheduler.ts';
import { schedulesRouter } from './schedules.ts';
import { tokensRouter } from './tokens.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  kpis: kpisRouter,
  runs: runsRouter,
  scheduler: schedulerRouter,
  schedules: schedulesRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
