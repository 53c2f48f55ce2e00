import { NOTIFICATION_EVENT_TYPES } from '@kpi/sources';
import { z } from 'zod';

export { NOTIFICATION_EVENT_TYPES };

export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const EMAIL_MAX_LENGTH = 254;

/**
 * The body of `PUT /api/notifications` and `notifications.update`: any of the fields; null removes a
 * channel. Strict, like every input. Whether a webhook's host may be called is checked by the service.
 */
export const notificationsUpdateInput = z.strictObject(
  {
    email: z
      .email({ error: 'email must be an e-mail address' })
      .max(EMAIL_MAX_LENGTH, `email must be at most ${EMAIL_MAX_LENGTH} characters`)
      .nullable()
      .optional(),
    webhook_url: z
      .url({ error: 'webhook_url must be an absolute URL' })
      .max(WEBHOOK_URL_MAX_LENGTH, `webhook_url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`)
      .nullable()
      .optional(),
    slack: z.boolean({ error: 'slack must be true or false' }).optional(),
    events: z
      .array(z.enum(NOTIFICATION_EVENT_TYPES, { error: () => `events may hold ${NOTIFICATION_EVENT_TYPES.join(', ')}` }), {
        error: 'events must be a list',
      })
      .max(NOTIFICATION_EVENT_TYPES.length, 'events lists each type at most once')
      .refine((events) => new Set(events).size === events.length, 'events lists each type at most once')
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field: ${issue.keys.join(', ')}` : 'body must be a JSON object',
  },
);
export type NotificationsUpdateInput = z.infer<typeof notificationsUpdateInput>;

export const DELIVERIES_MAX_LIMIT = 200;
export const deliveriesListInput = z.strictObject({
  limit: z.coerce.number().int().min(1).max(DELIVERIES_MAX_LIMIT).default(50),
});
