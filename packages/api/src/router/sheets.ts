import { sheetUpsertInput } from '../services/connections-input.ts';
import { getSheet, removeSheet, testSheet, upsertSheet } from '../services/sheets.ts';
import { authedProcedure, router } from './trpc.ts';

export const sheetsRouter = router({
  get: authedProcedure.query(({ ctx }) => getSheet(ctx.deps, ctx.viewer.id)),
  upsert: authedProcedure.input(sheetUpsertInput).mutation(({ ctx, input }) => upsertSheet(ctx.deps, ctx.viewer.id, input)),
  remove: authedProcedure.mutation(({ ctx }) => removeSheet(ctx.deps, ctx.viewer.id)),
  test: authedProcedure.mutation(({ ctx }) => testSheet(ctx.deps, ctx.viewer.id)),
});
