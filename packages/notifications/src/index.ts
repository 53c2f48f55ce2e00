export { isBlockedAddress, resolveWebhookTarget, WebhookRefused } from './address-guard.ts';
export { type ChannelOptions, type ChannelTarget, type SendOutcome, sendOn } from './channels.ts';
export { type ClaimedDelivery, claimDeliveries, recordAttempt } from './deliveries.ts';
export {
  type DispatcherLog,
  type DispatcherOptions,
  GIVE_UP_AFTER_MS,
  NotificationDispatcher,
  RETRY_BASE_MS,
  retryDelayMs,
} from './dispatcher.ts';
export { createMailer, type Mailer } from './mail.ts';
export { emailOf, type StoredEvent, slackBodyOf, type WebhookEvent, webhookEventOf } from './messages.ts';
export { newWebhookSecret, signWebhook, verifyWebhookSignature } from './signature.ts';
export { postWebhook, WEBHOOK_TIMEOUT_MS } from './webhook.ts';
