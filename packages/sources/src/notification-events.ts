/**
 * What the user is told about, and how: the database's CHECK constraints (drizzle/0013_notifications.sql),
 * the API's validators and the web form read these lists.
 */
export const NOTIFICATION_EVENT_TYPES = ['run.failed', 'schedule.paused', 'connection.needs_reauth', 'run.recovered'] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];
export const NOTIFICATION_CHANNELS = ['email', 'webhook'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
