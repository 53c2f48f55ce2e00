import {
  getNotificationSettings,
  listNotificationDeliveries,
  sendTestNotification,
  updateNotificationSettings,
} from '../services/notifications.ts';
import { deliveriesListInput, notificationsUpdateInput } from '../validators/notifications.ts';
import { authedProcedure, router } from './trpc.ts';

export const notificationsRouter = router({
  get: authedProcedure.query(({ ctx }) => getNotificationSettings(ctx.deps, ctx.viewer.id)),
  update: authedProcedure
    .input(notificationsUpdateInput)
    .mutation(({ ctx, input }) => updateNotificationSettings(ctx.deps, ctx.viewer.id, input)),
  test: authedProcedure.mutation(({ ctx }) => sendTestNotification(ctx.deps, ctx.viewer.id)),
  deliveries: authedProcedure
    .input(deliveriesListInput.optional())
    .query(({ ctx, input }) => listNotificationDeliveries(ctx.deps, ctx.viewer.id, input?.limit ?? 50)),
});
