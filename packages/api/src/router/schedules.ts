import { z } from 'zod';
import { requestBackfill } from '../services/backfill.ts';
import { listSchedules } from '../services/list-schedules.ts';
import { previewSchedule } from '../services/preview-schedule.ts';
import { runSchedule } from '../services/run-schedule.ts';
import { updateSchedule } from '../services/update-schedule.ts';
import { backfillRequestInput } from '../validators/backfill.ts';
import { PREVIEW_MAX_COUNT, schedulePreviewInput, scheduleUpdateInput, serviceInput } from '../validators/schedule.ts';
import { authedProcedure, publicProcedure, router } from './trpc.ts';

export const schedulesRouter = router({
  list: authedProcedure.query(({ ctx }) => listSchedules(ctx.deps, ctx.viewer.id)),

  update: authedProcedure
    .input(scheduleUpdateInput.extend({ service: serviceInput }))
    .mutation(({ ctx, input: { service, ...changes } }) => updateSchedule(ctx.deps, ctx.viewer.id, service, changes)),

  run: authedProcedure.input(z.strictObject({ service: serviceInput })).mutation(async ({ ctx, input }) => {
    const run = await runSchedule(ctx.deps, ctx.viewer.id, input.service);
    return { ...run, message: `${run.service} sync job enqueued for user ${run.userId}` };
  }),

  backfill: authedProcedure
    .input(backfillRequestInput)
    .mutation(({ ctx, input: { service, ...range } }) => requestBackfill(ctx.deps, ctx.viewer.id, service, range)),

  preview: publicProcedure.input(schedulePreviewInput).query(({ ctx, input }) => previewSchedule(ctx.deps, input)),

  /** The limits a form checks as the user types, so a too-frequent cron is flagged before Save. */
  limits: publicProcedure.query(({ ctx }) => ({
    minIntervalSeconds: ctx.deps.settings.minIntervalSeconds,
    previewMaxCount: PREVIEW_MAX_COUNT,
  })),
});
