import { boolean, integer, pgTable, text, timestamp, varchar } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  email: varchar('email', { length: 254 }).notNull().unique('users_email_key'),
  passwordHash: text('password_hash').notNull(),
  role: varchar('role', { length: 16 }).$type<'admin' | 'user'>().notNull().default('user'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  // The UI asks for a new password until it is changed (the generated first administrator).
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  // Set while an administrator has the account disabled: no sign-in, no session, no token, no fires.
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
}).enableRLS();
