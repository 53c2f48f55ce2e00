import { randomUUID } from 'node:crypto';
import type { NotificationsPort, NotificationTestJson } from '@kpi/api';
import type { SecretBox } from '@kpi/connectors';
import { type Database, type Db, queryRows, sql, withService } from '@kpi/db';
import {
  type ChannelOptions,
  createMailer,
  NotificationDispatcher,
  resolveWebhookTarget,
  type SendOutcome,
  sendOn,
  WebhookRefused,
} from '@kpi/notifications';
import { SERVICES } from '@kpi/sources';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

/** The webhook secret's envelope is bound to its user: a blob copied into another row does not open. */
const webhookAad = (userId: number) => `notification-webhook:${userId}`;

/** How this process sends: the SMTP transport (if configured), the webhook policy, the app's address. */
export function channelOptions(config: Config, now: () => Date): ChannelOptions {
  const { smtp, webhookAllowPrivate } = config.notifications;
  return {
    ...(smtp ? { mailer: createMailer(smtp) } : {}),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    webhook: { allowPrivate: webhookAllowPrivate },
    now,
  };
}

export function openWebhookSecret(box: SecretBox | undefined, userId: number, sealed: string): string | undefined {
  try {
    return box?.open<{ secret: string }>(sealed, webhookAad(userId)).secret;
  } catch {
    return undefined;
  }
}

const answerOf = (outcome: SendOutcome | undefined): NotificationTestJson['email'] =>
  outcome === undefined
    ? { status: 'not_configured', error: null }
    : outcome.ok
      ? { status: 'sent', error: null }
      : { status: 'failed', error: outcome.error };

/** The API's notifications port, with the secrets key and the channels of this process. */
export function notificationsPort(options: {
  box: SecretBox | undefined;
  channels: ChannelOptions;
  allowPrivate: boolean;
}): NotificationsPort {
  const { box, channels } = options;
  return {
    canSeal: box !== undefined,
    sealWebhookSecret: (userId, secret) => (box as SecretBox).seal({ secret }, webhookAad(userId)),
    async refuseWebhookUrl(url) {
      try {
        await resolveWebhookTarget(url, { allowPrivate: options.allowPrivate });
        return undefined;
      } catch (error) {
        if (error instanceof WebhookRefused) return error.message;
        throw error;
      }
    },
    async sendTest(db: Db, userId: number) {
      const [row] = await withService(db, (tx) =>
        queryRows<{ email: string | null; webhook_url: string | null; webhook_secret: string | null; slack: boolean }>(
          tx,
          sql`SELECT email, webhook_url, webhook_secret, slack FROM notification_settings WHERE user_id = ${userId}`,
        ),
      );
      const target = {
        email: row?.email ?? null,
        webhookUrl: row?.webhook_url ?? null,
        webhookSecret: row?.webhook_secret ? (openWebhookSecret(box, userId, row.webhook_secret) ?? null) : null,
        slack: row?.slack ?? false,
      };
      const event = {
        id: randomUUID(),
        type: 'test' as const,
        userId,
        service: SERVICES[0],
        createdAt: channels.now(),
        payload: { message: 'This is a test message from KPI Sync: this channel works.' },
      };
      const [email, webhook] = await Promise.all([
        target.email ? sendOn(channels, 'email', target, event, 0) : undefined,
        target.webhookUrl ? sendOn(channels, 'webhook', target, event, 0) : undefined,
      ]);
      return { email: answerOf(email), webhook: answerOf(webhook) };
    },
  };
}

/** The outbox's sender for this instance: every instance runs one; leases keep them from sending twice. */
export function createDispatcher(options: {
  database: Database;
  log: Logger;
  box: SecretBox | undefined;
  channels: ChannelOptions;
  instanceId: string;
}): NotificationDispatcher {
  return new NotificationDispatcher({
    db: options.database.db,
    listen: options.database.listen.bind(options.database),
    log: options.log.child({ component: 'notifications' }),
    workerId: options.instanceId,
    channels: options.channels,
    openWebhookSecret: (userId, sealed) => openWebhookSecret(options.box, userId, sealed),
  });
}
