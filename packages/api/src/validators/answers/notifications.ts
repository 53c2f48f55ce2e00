import { NOTIFICATION_CHANNELS, NOTIFICATION_EVENT_TYPES } from '@kpi/sources';
import { z } from 'zod';
import { isoTimestamp, nullableTimestamp, serviceJson } from './common.ts';

const eventType = z.enum(NOTIFICATION_EVENT_TYPES);

/** A user's channels; the webhook secret is never shown again after it was made. */
export const notificationSettingsJson = z.strictObject({
  email: z.string().nullable(),
  webhook_url: z.string().nullable(),
  slack: z.boolean(),
  events: z.array(eventType),
});
export type NotificationSettingsJson = z.infer<typeof notificationSettingsJson>;

/** The answer to a save: `webhook_secret` only when this save made a new webhook (shown once). */
export const notificationSettingsSavedJson = notificationSettingsJson.extend({ webhook_secret: z.string().optional() });
export type NotificationSettingsSavedJson = z.infer<typeof notificationSettingsSavedJson>;

const channelTestJson = z.strictObject({
  status: z.enum(['sent', 'failed', 'not_configured']),
  error: z.string().nullable(),
});
/** What a test message did on each channel. */
export const notificationTestJson = z.strictObject({ email: channelTestJson, webhook: channelTestJson });
export type NotificationTestJson = z.infer<typeof notificationTestJson>;

/** One message of an event on a channel: pending (maybe retrying), delivered, failed (given up) or folded. */
export const notificationDeliveryJson = z.strictObject({
  id: z.number().int(),
  event_id: z.string(),
  event_type: eventType,
  service: serviceJson,
  channel: z.enum(NOTIFICATION_CHANNELS),
  status: z.enum(['pending', 'delivered', 'failed', 'folded']),
  attempts: z.number().int(),
  /** Later events of the same kind counted into this message by the hourly throttle. */
  folded: z.number().int(),
  last_error: z.string().nullable(),
  created_at: isoTimestamp,
  next_attempt_at: nullableTimestamp,
  delivered_at: nullableTimestamp,
});
export type NotificationDeliveryJson = z.infer<typeof notificationDeliveryJson>;
