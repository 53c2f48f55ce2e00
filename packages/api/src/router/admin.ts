import { updateAdminUser } from '../services/admin-user-update.ts';
import { createAdminUser, listAdminUsers } from '../services/admin-users.ts';
import { listAudit } from '../services/audit-log.ts';
import { fleetStats } from '../services/fleet.ts';
import { adminUserCreateInput, adminUserUpdateInput, auditListInput } from '../validators/admin.ts';
import { adminProcedure, router } from './trpc.ts';

// Every procedure here is adminProcedure: a non-admin is FORBIDDEN before any input is read.
export const adminRouter = router({
  users: router({
    list: adminProcedure.query(({ ctx }) => listAdminUsers(ctx.deps, ctx.viewer)),
    create: adminProcedure.input(adminUserCreateInput).mutation(({ ctx, input }) => createAdminUser(ctx.deps, ctx.viewer, input)),
    update: adminProcedure.input(adminUserUpdateInput).mutation(({ ctx, input }) => updateAdminUser(ctx.deps, ctx.viewer, input)),
  }),
  audit: adminProcedure.input(auditListInput.optional()).query(({ ctx, input }) => listAudit(ctx.deps, ctx.viewer, input ?? {})),
  fleet: adminProcedure.query(({ ctx }) => fleetStats(ctx.deps)),
});
