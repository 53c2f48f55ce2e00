import { adminProcedure, router } from './trpc.ts';

export const schedulerRouter = router({
  stats: adminProcedure.query(({ ctx }) => ctx.deps.schedulerStats?.() ?? { state: 'disabled' }),
});
