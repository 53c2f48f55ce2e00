import { z } from 'zod';
import { RUN_STATUSES } from '../runs.ts';
import { isoTimestamp } from './common.ts';

/** An account as the admin pages see it: never a password hash, never the user's data. */
export const adminUserJson = z.strictObject({
  id: z.number().int(),
  email: z.string(),
  role: z.enum(['admin', 'user']),
  disabled: z.boolean(),
  created_at: isoTimestamp,
  must_change_password: z.boolean(),
});
export type AdminUserJson = z.infer<typeof adminUserJson>;

export const AUDIT_ACTIONS = ['user.create', 'user.disable', 'user.enable', 'user.role', 'user.password_reset'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditEntryJson = z.strictObject({
  id: z.number().int(),
  at: isoTimestamp,
  actor_id: z.number().int().nullable(),
  actor_email: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  target_user_id: z.number().int().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntryJson = z.infer<typeof auditEntryJson>;

export const auditPageJson = z.strictObject({ items: z.array(auditEntryJson), nextCursor: z.number().int().nullable() });
export type AuditPageJson = z.infer<typeof auditPageJson>;

export const providerBudgetJson = z.strictObject({
  provider: z.enum(['meta', 'google', 'shopify']),
  in_use: z.number().int().min(0),
  limit: z.number().int().min(0),
});
export type ProviderBudgetJson = z.infer<typeof providerBudgetJson>;

/** Fleet health across all users: counts and figures only, no user's rows. */
export const fleetJson = z.strictObject({
  instances: z.array(z.strictObject({ id: z.string(), started_at: isoTimestamp, last_seen_at: isoTimestamp })),
  queue_depth: z.number().int().min(0),
  /** Fire lag (started_at - scheduled_for) of cron runs started in the last 24 h; null when none. */
  fire_lag_ms: z.strictObject({ p50: z.number().nullable(), p99: z.number().nullable() }),
  runs_24h: z.record(z.enum(RUN_STATUSES), z.number().int().min(0)),
  failing_sources: z.number().int().min(0),
  paused_sources: z.number().int().min(0),
  provider_budgets: z.array(providerBudgetJson),
});
export type FleetJson = z.infer<typeof fleetJson>;

/** Sign out everywhere: how many sessions of the viewer it ended (the current one included). */
export const signedOutEverywhereJson = z.strictObject({ sessions_ended: z.number().int().min(0) });
export type SignedOutEverywhereJson = z.infer<typeof signedOutEverywhereJson>;
