import { createApiToken, listApiTokens, revokeApiToken } from '../services/api-tokens.ts';
import { tokenCreateInput, tokenIdInput } from '../validators/account.ts';
import { authedProcedure, router } from './trpc.ts';

export const tokensRouter = router({
  list: authedProcedure.query(({ ctx }) => listApiTokens(ctx.deps, ctx.viewer.id)),
  create: authedProcedure.input(tokenCreateInput).mutation(({ ctx, input }) => createApiToken(ctx.deps, ctx.viewer.id, input)),
  revoke: authedProcedure.input(tokenIdInput).mutation(({ ctx, input }) => revokeApiToken(ctx.deps, ctx.viewer.id, input.id)),
});
