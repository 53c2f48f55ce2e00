import { sql } from 'drizzle-orm';
import { index, integer, pgPolicy, pgTable, primaryKey, timestamp, varchar } from 'drizzle-orm/pg-core';
import { SERVICE_ROLE } from './tenant.ts';

/**
 * Request counters shared by the server instances: one row per (key, fixed window). Not a tenant table:
 * tenants have no grant and no policy; only the service role's background sync reads and writes it.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: varchar('key', { length: 320 }).notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    hits: integer('hits').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'rate_limits_pkey', columns: [t.key, t.windowStart] }),
    index('rate_limits_expires_at_idx').on(t.expiresAt),
    pgPolicy('service can count requests', { for: 'all', to: SERVICE_ROLE, using: sql`true`, withCheck: sql`true` }),
  ],
).enableRLS();
