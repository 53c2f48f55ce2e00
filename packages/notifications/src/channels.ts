import type { NotificationChannel } from '@kpi/db';
import { WebhookRefused } from './address-guard.ts';
import type { Mailer } from './mail.ts';
import { emailOf, type StoredEvent, slackBodyOf, webhookEventOf } from './messages.ts';
import { signWebhook } from './signature.ts';
import { postWebhook } from './webhook.ts';

/** How this server sends: the SMTP mailer if SMTP_URL is set, the webhook policy, the app's address. */
export type ChannelOptions = {
  mailer?: Mailer;
  publicUrl?: string;
  webhook: { allowPrivate: boolean; timeoutMs?: number };
  /** Unix seconds for the signature's `t=`. */
  now: () => Date;
};

/** A user's channel as it is at send time; the webhook secret already opened. */
export type ChannelTarget = { email: string | null; webhookUrl: string | null; webhookSecret: string | null; slack: boolean };

/** `permanent`: trying again cannot help (no such channel, an address the policy refuses). */
export type SendOutcome = { ok: true } | { ok: false; error: string; permanent: boolean };

/** Sends one message of `event` on one channel. */
export async function sendOn(
  options: ChannelOptions,
  channel: NotificationChannel,
  target: ChannelTarget,
  event: StoredEvent,
  folded: number,
): Promise<SendOutcome> {
  if (channel === 'email') {
    if (!target.email) return { ok: false, error: 'no e-mail address is set any more', permanent: true };
    if (!options.mailer) return { ok: false, error: 'the server has no SMTP_URL, so it cannot send e-mail', permanent: true };
    try {
      await options.mailer.send({ to: target.email, ...emailOf(event, folded, options.publicUrl) });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `the mail server refused or did not answer: ${(error as Error).message}`, permanent: false };
    }
  }
  if (!target.webhookUrl) return { ok: false, error: 'no webhook URL is set any more', permanent: true };
  if (!target.webhookSecret)
    return { ok: false, error: 'the webhook secret cannot be read; save the webhook again', permanent: true };
  const body = JSON.stringify(
    target.slack ? slackBodyOf(event, folded, options.publicUrl) : webhookEventOf(event, folded, options.publicUrl),
  );
  const t = Math.floor(options.now().getTime() / 1000);
  try {
    const answer = await postWebhook(
      target.webhookUrl,
      body,
      { 'x-kpi-event-id': event.id, 'x-kpi-signature': signWebhook(target.webhookSecret, body, t) },
      options.webhook,
    );
    return answer.ok ? { ok: true } : { ok: false, error: answer.error ?? 'the webhook failed', permanent: false };
  } catch (error) {
    if (error instanceof WebhookRefused) return { ok: false, error: error.message, permanent: true };
    throw error;
  }
}
