import { sql } from 'drizzle-orm';
import { bigint, char, integer, pgPolicy, pgTable, timestamp } from 'drizzle-orm/pg-core';
import { currentTenant, SERVICE_ROLE, TENANT_ROLE } from './tenant.ts';
import { users } from './users.ts';

export const sessions = pgTable(
  'sessions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: char('token_hash', { length: 64 }).notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    pgPolicy('user can read own sessions', { for: 'select', to: TENANT_ROLE, using: sql`${t.userId} = ${currentTenant}` }),
    pgPolicy('service can manage sessions', { for: 'all', to: SERVICE_ROLE, using: sql`true`, withCheck: sql`true` }),
  ],
).enableRLS();
