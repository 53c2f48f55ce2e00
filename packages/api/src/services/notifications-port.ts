import type { Db } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { NotificationTestJson } from '../validators/answers/notifications.ts';

/**
 * What the API needs from the notifier, supplied by the server (which holds the secrets key, the SMTP
 * transport and the webhook policy): sealing a webhook secret, the address check, and a test send.
 */
export interface NotificationsPort {
  /** False when the operator gave no SECRETS_KEY: a webhook (whose secret must be kept) cannot be saved. */
  readonly canSeal: boolean;
  sealWebhookSecret(userId: number, secret: string): string;
  /** Why this URL may not be called (scheme, a private or loopback address), or undefined when it may. */
  refuseWebhookUrl(url: string): Promise<string | undefined>;
  sendTest(db: Db, userId: number): Promise<NotificationTestJson>;
}

export function notificationsOf(deps: ApiDeps): NotificationsPort {
  const port = deps.notifications;
  if (!port) throw new AppError('SERVICE_UNAVAILABLE', 'Notifications are not available on this server');
  return port;
}
