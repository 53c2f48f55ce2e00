import { bigint, integer, jsonb, pgTable, text, timestamp, unique, varchar } from 'drizzle-orm/pg-core';
import type { Service } from './tenant.ts';
import { users } from './users.ts';

export const CONNECTION_STATUSES = ['ok', 'needs_reauth', 'error'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

import type { CredentialKind } from '@kpi/sources';

export { CREDENTIAL_KINDS, type CredentialKind } from '@kpi/sources';

/**
 * Which account a user's sync reads for a service, and the credential it reads with. `secret` is an
 * AES-256-GCM envelope sealed by the application (the key never reaches the database).
 */
export const connections = pgTable(
  'connections',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    service: varchar('service', { length: 50 }).$type<Service>().notNull(),
    accountId: varchar('account_id', { length: 255 }).notNull(),
    credentialKind: varchar('credential_kind', { length: 32 }).$type<CredentialKind>().notNull(),
    secret: text('secret').notNull(),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** The IANA zone the source reports its days in; null until a save, test or sync learned it. */
    timezone: varchar('timezone', { length: 64 }),
    status: varchar('status', { length: 16 }).$type<ConnectionStatus>().notNull().default('ok'),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    lastError: text('last_error'),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('connections_user_service_key').on(t.userId, t.service)],
).enableRLS();

export type Connection = typeof connections.$inferSelect;

/** One Google Sheets destination per user: a tab per service, written after every successful sync. */
export const sheetDestinations = pgTable(
  'sheet_destinations',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    spreadsheetId: varchar('spreadsheet_id', { length: 200 }).notNull(),
    tabs: jsonb('tabs').$type<Partial<Record<Service, string>>>().notNull().default({}),
    credentialKind: varchar('credential_kind', { length: 32 }).$type<Exclude<CredentialKind, 'access_token'>>().notNull(),
    secret: text('secret').notNull(),
    status: varchar('status', { length: 16 }).$type<ConnectionStatus>().notNull().default('ok'),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    lastError: text('last_error'),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('sheet_destinations_user_key').on(t.userId)],
).enableRLS();

export type SheetDestination = typeof sheetDestinations.$inferSelect;
