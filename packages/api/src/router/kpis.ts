import { kpiHistory } from '../services/kpi-history.ts';
import { latestKpis } from '../services/kpis.ts';
import { kpiHistoryInput } from '../validators/kpis.ts';
import { authedProcedure, router } from './trpc.ts';

export const kpisRouter = router({
  latest: authedProcedure.query(({ ctx }) => latestKpis(ctx.deps, ctx.viewer.id)),
  history: authedProcedure.input(kpiHistoryInput).query(({ ctx, input }) => kpiHistory(ctx.deps, ctx.viewer.id, input)),
});
