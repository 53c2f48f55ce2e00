import { cancelRun } from '../services/cancel-run.ts';
import { getRun, listRuns, runStats } from '../services/runs.ts';
import { runIdInput, runsListInput } from '../validators/runs.ts';
import { authedProcedure, router } from './trpc.ts';

export const runsRouter = router({
  list: authedProcedure.input(runsListInput).query(({ ctx, input }) => listRuns(ctx.deps, ctx.viewer.id, input)),
  byId: authedProcedure.input(runIdInput).query(({ ctx, input }) => getRun(ctx.deps, ctx.viewer.id, input.id)),
  cancel: authedProcedure.input(runIdInput).mutation(({ ctx, input }) => cancelRun(ctx.deps, ctx.viewer.id, input.id)),
  stats: authedProcedure.query(({ ctx }) => runStats(ctx.deps, ctx.viewer.id)),
});
