import type { NotificationChannel, NotificationEventType } from '@kpi/sources';
import { bigint, boolean, integer, jsonb, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import type { Service } from './tenant.ts';
import { users } from './users.ts';

// Row-level security policies and grants of these tables are in drizzle/0013_notifications.sql.

export {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_EVENT_TYPES,
  type NotificationChannel,
  type NotificationEventType,
} from '@kpi/sources';
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'folded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Where a user is told, and about which events. `webhookSecret` is sealed by the application. */
export const notificationSettings = pgTable('notification_settings', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  email: varchar('email', { length: 254 }),
  webhookUrl: varchar('webhook_url', { length: 2048 }),
  webhookSecret: text('webhook_secret'),
  slack: boolean('slack').notNull().default(false),
  events: text('events').array().$type<NotificationEventType[]>().notNull(),
  lastTestAt: timestamp('last_test_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}).enableRLS();

/** The outbox: one row per event, written in the transaction of the change that caused it. */
export const notificationEvents = pgTable('notification_events', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  service: varchar('service', { length: 50 }).$type<Service>().notNull(),
  type: varchar('type', { length: 40 }).$type<NotificationEventType>().notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}).enableRLS();

/** One message of an event on one channel, with its retries; `folded` later events were counted into it. */
export const notificationDeliveries = pgTable('notification_deliveries', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  eventId: uuid('event_id')
    .notNull()
    .references(() => notificationEvents.id, { onDelete: 'cascade' }),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  service: varchar('service', { length: 50 }).$type<Service>().notNull(),
  type: varchar('type', { length: 40 }).$type<NotificationEventType>().notNull(),
  channel: varchar('channel', { length: 16 }).$type<NotificationChannel>().notNull(),
  status: varchar('status', { length: 16 }).$type<DeliveryStatus>().notNull().default('pending'),
  dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  folded: integer('folded').notNull().default(0),
  foldedInto: bigint('folded_into', { mode: 'number' }),
  lockedBy: varchar('locked_by', { length: 200 }),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  lastError: text('last_error'),
  deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}).enableRLS();

export type NotificationSettingsRow = typeof notificationSettings.$inferSelect;
export type NotificationDelivery = typeof notificationDeliveries.$inferSelect;
