import type { Database, Db } from '@kpi/db';
import { type ChannelOptions, sendOn } from './channels.ts';
import { type ClaimedDelivery, claimDeliveries, recordAttempt } from './deliveries.ts';

type LogFn = (object: Record<string, unknown>, message?: string) => void;
export type DispatcherLog = { info: LogFn; warn: LogFn; error: LogFn };

export type DispatcherOptions = {
  db: Db;
  log: DispatcherLog;
  workerId: string;
  channels: ChannelOptions;
  /** Opens a user's sealed webhook secret; undefined when it cannot (no key, another key). */
  openWebhookSecret: (userId: number, sealed: string) => string | undefined;
  /** LISTEN, so a message recorded by any instance is sent at once rather than on the next poll. */
  listen?: Database['listen'];
  pollMs?: number;
  leaseMs?: number;
  batchSize?: number;
};

/** First retry after 30 s, doubling to at most an hour between attempts, for 24 h from the message's slot. */
export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 3_600_000;
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

/**
 * Sends the outbox's messages from any instance: each is leased (SKIP LOCKED) before it is sent, so two
 * instances never send the same one, and one leased by an instance that died is due again when its
 * lease ends, so none is lost. A receiver that dies after receiving but before our outcome is written
 * may see a message twice: X-KPI-Event-Id is the key it deduplicates on.
 */
export class NotificationDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    if (this.options.listen) {
      this.unlisten = await this.options.listen(
        'kpi_notification_queued',
        () => this.wake(),
        () => this.wake(),
      );
    }
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 1_000);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.();
    await this.running?.catch(() => 0);
  }

  /** Runs a pass now, or one more after the pass in flight. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .catch((error: unknown) => {
        this.options.log.warn({ event: 'notify-pass-failed', err: error }, 'could not send notifications; will retry');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Sends every message due now; answers how many attempts it made. */
  async runOnce(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const claimed = await claimDeliveries(this.options.db, {
        now: this.options.channels.now(),
        limit: this.options.batchSize ?? 20,
        workerId: this.options.workerId,
        leaseMs: this.options.leaseMs ?? 60_000,
      });
      if (claimed.length === 0) return attempted;
      attempted += claimed.length;
      await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
      if (this.stopped) return attempted;
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { log, channels } = this.options;
    const secret = delivery.webhookSecret
      ? this.options.openWebhookSecret(delivery.event.userId, delivery.webhookSecret)
      : undefined;
    const sent = await sendOn(
      channels,
      delivery.channel,
      { email: delivery.email, webhookUrl: delivery.webhookUrl, webhookSecret: secret ?? null, slack: delivery.slack },
      delivery.event,
      delivery.folded,
    ).catch((error: unknown) => ({ ok: false as const, error: String(error), permanent: false }));
    const now = channels.now();
    const fields = {
      deliveryId: delivery.id,
      eventId: delivery.event.id,
      userId: delivery.event.userId,
      channel: delivery.channel,
      attempt: delivery.attempts,
    };
    if (sent.ok) {
      await recordAttempt(this.options.db, { id: delivery.id, workerId: this.options.workerId, now, outcome: 'delivered' });
      log.info({ ...fields, event: 'notification-delivered' }, 'notification delivered');
      return;
    }
    const retryAt = new Date(now.getTime() + retryDelayMs(delivery.attempts));
    const giveUp = sent.permanent || retryAt.getTime() - delivery.dueAt.getTime() > GIVE_UP_AFTER_MS;
    const error = giveUp && !sent.permanent ? `gave up after ${delivery.attempts} attempts over 24 h: ${sent.error}` : sent.error;
    await recordAttempt(this.options.db, {
      id: delivery.id,
      workerId: this.options.workerId,
      now,
      outcome: giveUp ? 'failed' : 'retry',
      error,
      ...(giveUp ? {} : { retryAt }),
    });
    log.warn(
      { ...fields, event: giveUp ? 'notification-failed' : 'notification-retry', error, retryAt: giveUp ? null : retryAt },
      giveUp ? 'notification given up' : 'notification failed; retry scheduled',
    );
  }
}
