import { latestKpis } from '../services/kpis.ts';
import { authedProcedure, router } from './trpc.ts';

export const kpisRouter = router({
  latest: authedProcedure.query(({ ctx }) => latestKpis(ctx.deps, ctx.viewer.id)),
});
