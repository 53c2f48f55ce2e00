import { listConnections, removeConnection, testConnection, upsertConnection } from '../services/connections.ts';
import { connectionServiceInput, connectionUpsertInput } from '../services/connections-input.ts';
import { authedProcedure, router } from './trpc.ts';

export const connectionsRouter = router({
  list: authedProcedure.query(({ ctx }) => listConnections(ctx.deps, ctx.viewer.id)),
  upsert: authedProcedure
    .input(connectionUpsertInput)
    .mutation(({ ctx, input }) => upsertConnection(ctx.deps, ctx.viewer.id, input)),
  remove: authedProcedure
    .input(connectionServiceInput)
    .mutation(({ ctx, input }) => removeConnection(ctx.deps, ctx.viewer.id, input.service)),
  test: authedProcedure
    .input(connectionServiceInput)
    .mutation(({ ctx, input }) => testConnection(ctx.deps, ctx.viewer.id, input.service)),
});
