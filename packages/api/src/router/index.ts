import { adminRouter } from './admin.ts';
import { authRouter } from './auth.ts';
import { connectionsRouter } from './connections.ts';
import { kpisRouter } from './kpis.ts';
import { notificationsRouter } from './notifications.ts';
import { runsRouter } from './runs.ts';
import { schedulerRouter } from './scheduler.ts';
import { schedulesRouter } from './schedules.ts';
import { sheetsRouter } from './sheets.ts';
import { tokensRouter } from './tokens.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  admin: adminRouter,
  auth: authRouter,
  connections: connectionsRouter,
  kpis: kpisRouter,
  notifications: notificationsRouter,
  runs: runsRouter,
  scheduler: schedulerRouter,
  schedules: schedulesRouter,
  sheets: sheetsRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
