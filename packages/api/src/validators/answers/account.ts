import { z } from 'zod';
import { isoTimestamp, nullableTimestamp } from './common.ts';

/** The caller, as resolved from a session cookie or an API token. */
export const viewerJson = z.strictObject({ id: z.number().int(), email: z.string(), role: z.enum(['admin', 'user']) });
export type ViewerJson = z.infer<typeof viewerJson>;
export const userAnswer = z.strictObject({ user: viewerJson });
/** `/api/auth/me`: the caller, and whether they must choose a new password (the generated first admin). */
export const meAnswer = z.strictObject({ user: viewerJson.extend({ must_change_password: z.boolean() }) });
/** A password change: how many of the user's other sessions it ended. */
export const passwordChangedJson = z.strictObject({ sessions_ended: z.number().int().min(0) });

export const apiTokenJson = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  created_at: isoTimestamp,
  last_used_at: nullableTimestamp,
  revoked_at: nullableTimestamp,
});
export type ApiTokenJson = z.infer<typeof apiTokenJson>;

/** The raw token is in this answer only; the server keeps its hash. */
export const tokenCreatedJson = z.strictObject({ token: z.string().regex(/^kpi_/), apiToken: apiTokenJson });
export type TokenCreatedJson = z.infer<typeof tokenCreatedJson>;

/** Sign-out answers no data. */
export const signedOutAnswer = z.strictObject({ success: z.literal(true) });

/** This instance's scheduler figures: an admin-only record, kept loose on purpose. */
export const schedulerStatsJson = z.record(z.string(), z.unknown());
export type SchedulerStatsJson = z.infer<typeof schedulerStatsJson>;
