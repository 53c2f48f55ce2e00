import { randomBytes } from 'node:crypto';
import {
  desc,
  isNull,
  lte,
  NOTIFICATION_EVENT_TYPES,
  type NotificationEventType,
  notificationDeliveries,
  notificationSettings,
  or,
  withTenant,
} from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type {
  NotificationDeliveryJson,
  NotificationSettingsJson,
  NotificationSettingsSavedJson,
  NotificationTestJson,
} from '../validators/answers/notifications.ts';
import { type NotificationsUpdateInput, notificationsUpdateInput } from '../validators/notifications.ts';
import { notificationsOf } from './notifications-port.ts';

const iso = (value: Date | null) => value?.toISOString() ?? null;

// The tenant may not read webhook_secret: every tenant query names these columns.
const settingsColumns = {
  email: notificationSettings.email,
  webhookUrl: notificationSettings.webhookUrl,
  slack: notificationSettings.slack,
  events: notificationSettings.events,
};
type SettingsRow = { email: string | null; webhookUrl: string | null; slack: boolean; events: NotificationEventType[] };

const DEFAULTS: SettingsRow = { email: null, webhookUrl: null, slack: false, events: [...NOTIFICATION_EVENT_TYPES] };

const toJson = (row: SettingsRow): NotificationSettingsJson => ({
  email: row.email,
  webhook_url: row.webhookUrl,
  slack: row.slack,
  events: row.events,
});

export async function getNotificationSettings(deps: ApiDeps, userId: number): Promise<NotificationSettingsJson> {
  const [row] = await withTenant(deps.db, userId, (tx) => tx.select(settingsColumns).from(notificationSettings));
  return toJson(row ?? DEFAULTS);
}

/**
 * Saves the given fields; null removes a channel. A webhook URL that is new (or changed) gets a new
 * secret, sealed at rest and answered this once; the URL must be one the server may call.
 */
export async function updateNotificationSettings(
  deps: ApiDeps,
  userId: number,
  raw: NotificationsUpdateInput,
): Promise<NotificationSettingsSavedJson> {
  const input = notificationsUpdateInput.parse(raw);
  const current = await getNotificationSettings(deps, userId);
  const url = input.webhook_url;
  let sealedSecret: string | null | undefined;
  let secret: string | undefined;
  if (url === null) sealedSecret = null;
  else if (url !== undefined && url !== current.webhook_url) {
    const port = notificationsOf(deps);
    const refused = await port.refuseWebhookUrl(url);
    if (refused) throw new AppError('VALIDATION_ERROR', refused, { field: 'webhook_url' });
    if (!port.canSeal) {
      throw new AppError(
        'SECRETS_KEY_MISSING',
        'This server cannot keep a webhook secret: the operator must set SECRETS_KEY and restart',
      );
    }
    secret = `whsec_${randomBytes(32).toString('base64url')}`;
    sealedSecret = port.sealWebhookSecret(userId, secret);
  }
  const values = {
    email: input.email === undefined ? current.email : input.email,
    webhookUrl: url === undefined ? current.webhook_url : url,
    slack: input.slack ?? current.slack,
    events: input.events ?? current.events,
    ...(sealedSecret !== undefined ? { webhookSecret: sealedSecret } : {}),
    updatedAt: deps.clock(),
  };
  const [saved] = await withTenant(deps.db, userId, (tx) =>
    tx
      .insert(notificationSettings)
      .values({ userId, ...values })
      .onConflictDoUpdate({ target: notificationSettings.userId, set: values })
      .returning(settingsColumns),
  );
  deps.log.info({ event: 'notifications-saved', userId, newWebhook: secret !== undefined }, 'notification settings saved');
  return { ...toJson(saved ?? DEFAULTS), ...(secret ? { webhook_secret: secret } : {}) };
}

/** Least time between two test sends of one user: the address is the user's word, not verified. */
export const TEST_INTERVAL_SECONDS = 30;

/** Sends a test message on each channel now and answers what each did; 429 within 30 s of the last. */
export async function sendTestNotification(deps: ApiDeps, userId: number): Promise<NotificationTestJson> {
  const port = notificationsOf(deps);
  const now = deps.clock();
  const since = new Date(now.getTime() - TEST_INTERVAL_SECONDS * 1000);
  // One conditional UPDATE: two instances answering two clicks at once let only one through.
  const [settings, claimed] = await withTenant(deps.db, userId, async (tx) => {
    const [row] = await tx.select({ userId: notificationSettings.userId }).from(notificationSettings);
    const taken = await tx
      .update(notificationSettings)
      .set({ lastTestAt: now })
      .where(or(isNull(notificationSettings.lastTestAt), lte(notificationSettings.lastTestAt, since)))
      .returning({ userId: notificationSettings.userId });
    return [row, taken.length > 0] as const;
  });
  if (settings && !claimed) {
    throw new AppError('RATE_LIMITED', `A test was sent less than ${TEST_INTERVAL_SECONDS} seconds ago; try again shortly`, {
      retryAfterSeconds: TEST_INTERVAL_SECONDS,
    });
  }
  return port.sendTest(deps.db, userId);
}

/** The caller's latest messages, newest first (row-level security keeps them to the caller's). */
export async function listNotificationDeliveries(
  deps: ApiDeps,
  userId: number,
  limit: number,
): Promise<NotificationDeliveryJson[]> {
  const rows = await withTenant(deps.db, userId, (tx) =>
    tx.select().from(notificationDeliveries).orderBy(desc(notificationDeliveries.id)).limit(limit),
  );
  return rows.map((row) => ({
    id: row.id,
    event_id: row.eventId,
    event_type: row.type,
    service: row.service,
    channel: row.channel,
    status: row.status,
    attempts: row.attempts,
    folded: row.folded,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    delivered_at: iso(row.deliveredAt),
  }));
}
