import { integer, pgTable, primaryKey, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

/**
 * The providers' concurrency slots, shared by every instance: one row per slot, free when `lease_until`
 * is null or past. Not a tenant table: only the service role reads and writes it (policy and grants in
 * drizzle/0012_provider_budgets.sql).
 */
export const providerSlots = pgTable(
  'provider_slots',
  {
    provider: varchar('provider', { length: 16 }).notNull(),
    slot: integer('slot').notNull(),
    holder: uuid('holder'),
    instance: varchar('instance', { length: 200 }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    acquiredAt: timestamp('acquired_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ name: 'provider_slots_pkey', columns: [t.provider, t.slot] })],
).enableRLS();
