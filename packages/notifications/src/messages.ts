import type { NotificationEventType, Service } from '@kpi/db';
import { SOURCES } from '@kpi/sources';

/** The JSON a webhook receives: the event as recorded, its run linked to the app. */
export type WebhookEvent = {
  id: string;
  type: NotificationEventType | 'test';
  created_at: string;
  user_id: number;
  service: Service;
  message: string;
  run?: Record<string, unknown>;
  schedule?: Record<string, unknown>;
  connection?: Record<string, unknown>;
};

export type StoredEvent = {
  id: string;
  type: NotificationEventType | 'test';
  userId: number;
  service: Service;
  createdAt: Date;
  payload: {
    message: string;
    run?: Record<string, unknown>;
    schedule?: Record<string, unknown>;
    connection?: Record<string, unknown>;
  };
};

const TITLES: Record<StoredEvent['type'], string> = {
  'run.failed': 'sync failed',
  'schedule.paused': 'sync paused',
  'connection.needs_reauth': 'needs reconnecting',
  'run.recovered': 'sync recovered',
  test: 'test notification',
};

/** The link to the run (or the source) in the app, when the operator set PUBLIC_URL. */
export function linkFor(event: StoredEvent, publicUrl: string | undefined): string | undefined {
  if (!publicUrl) return undefined;
  const base = publicUrl.replace(/\/+$/, '');
  const runId = event.payload.run?.id;
  return typeof runId === 'number' ? `${base}/runs/${runId}` : `${base}/sources/${event.service}`;
}

/** The message, with the events the throttle counted into it. */
function messageOf(event: StoredEvent, folded: number): string {
  if (folded === 0) return event.payload.message;
  return `${event.payload.message} (${folded} more like this since; at most one message an hour per source and kind)`;
}

export function webhookEventOf(event: StoredEvent, folded: number, publicUrl: string | undefined): WebhookEvent {
  const link = linkFor(event, publicUrl);
  const { run, schedule, connection } = event.payload;
  return {
    id: event.id,
    type: event.type,
    created_at: event.createdAt.toISOString(),
    user_id: event.userId,
    service: event.service,
    message: messageOf(event, folded),
    ...(run ? { run: { ...run, ...(link && event.type !== 'test' ? { url: link } : {}) } } : {}),
    ...(schedule ? { schedule } : {}),
    ...(connection ? { connection } : {}),
  };
}

/** A Slack incoming webhook's body: one line of text with the link. */
export function slackBodyOf(event: StoredEvent, folded: number, publicUrl: string | undefined): { text: string } {
  const link = linkFor(event, publicUrl);
  const label = SOURCES[event.service].label;
  return { text: `*${label}: ${TITLES[event.type]}*. ${messageOf(event, folded)}${link ? ` <${link}|Open>` : ''}` };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** The e-mail: what happened, since when, the error as the source said it, and a link to the run. */
export function emailOf(
  event: StoredEvent,
  folded: number,
  publicUrl: string | undefined,
): { subject: string; text: string; html: string } {
  const label = SOURCES[event.service].label;
  const subject = `${label}: ${TITLES[event.type]}`;
  const link = linkFor(event, publicUrl);
  const since = event.payload.schedule?.failing_since;
  const error = event.payload.run?.error;
  const lines: Array<[string, string]> = [];
  if (typeof since === 'string' && event.type !== 'run.recovered') lines.push(['Failing since', since]);
  if (typeof error === 'string') lines.push(['Error', error]);
  const reason = event.payload.schedule?.paused_reason;
  if (typeof reason === 'string') lines.push(['Paused', reason]);
  const text = [
    messageOf(event, folded),
    '',
    ...lines.map(([name, value]) => `${name}: ${value}`),
    ...(link ? ['', `Open it: ${link}`] : []),
  ].join('\n');
  const html = [
    `<p>${escapeHtml(messageOf(event, folded))}</p>`,
    lines.length > 0
      ? `<ul>${lines.map(([name, value]) => `<li><strong>${escapeHtml(name)}:</strong> ${escapeHtml(value)}</li>`).join('')}</ul>`
      : '',
    link ? `<p><a href="${escapeHtml(link)}">Open it in KPI Sync</a></p>` : '',
  ].join('');
  return { subject, text, html };
}
