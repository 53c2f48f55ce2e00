import type { AppRouter } from '@kpi/api';
import { NOTIFICATION_EVENT_TYPES } from '@kpi/api/validators';
import type { inferRouterOutputs } from '@trpc/server';
import { type FormEvent, useEffect, useState } from 'react';
import { describeError } from '../../lib/errors.ts';
import { trpc } from '../../lib/trpc.ts';
import { TextField } from '../connections/text-field.tsx';
import { DeliveryList } from './delivery-list.tsx';

type Settings = inferRouterOutputs<AppRouter>['notifications']['get'];
type TestAnswer = inferRouterOutputs<AppRouter>['notifications']['test'];
type EventType = Settings['events'][number];

const EVENT_LABELS: Record<EventType, string> = {
  'run.failed': 'A sync failed after its last attempt',
  'schedule.paused': 'A schedule was paused after failing repeatedly',
  'connection.needs_reauth': 'A source refused the saved credential',
  'run.recovered': 'A sync succeeded again after failing',
};

/**
 * Where the user is told and about what: e-mail, a webhook (or a Slack incoming webhook), the events,
 * the webhook secret shown once when a new webhook is saved, a test send and the recent deliveries.
 */
export function NotificationsSettings() {
  const utils = trpc.useUtils();
  const settings = trpc.notifications.get.useQuery();
  const deliveries = trpc.notifications.deliveries.useQuery({ limit: 20 });
  const update = trpc.notifications.update.useMutation();
  const test = trpc.notifications.test.useMutation();
  const [email, setEmail] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [slack, setSlack] = useState(false);
  const [events, setEvents] = useState<EventType[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const [problem, setProblem] = useState<{ message: string; field: string | null } | null>(null);
  const [tested, setTested] = useState<TestAnswer | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!settings.data) return;
    setEmail(settings.data.email ?? '');
    setWebhookUrl(settings.data.webhook_url ?? '');
    setSlack(settings.data.slack);
    setEvents(settings.data.events);
  }, [settings.data]);

  async function save(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    try {
      const answer = await update.mutateAsync({
        email: email.trim() === '' ? null : email.trim(),
        webhook_url: webhookUrl.trim() === '' ? null : webhookUrl.trim(),
        slack,
        events,
      });
      setSecret(answer.webhook_secret ?? null);
      setSaved(true);
      await utils.notifications.get.invalidate();
    } catch (failure) {
      const info = describeError(failure);
      setProblem({ message: info.message, field: info.field });
    }
  }

  async function sendTest() {
    setTested(null);
    try {
      setTested(await test.mutateAsync());
      await utils.notifications.deliveries.invalidate();
    } catch (failure) {
      setProblem({ message: describeError(failure).message, field: null });
    }
  }

  const toggle = (type: EventType, on: boolean) =>
    setEvents((current) => (on ? [...current, type] : current.filter((t) => t !== type)));

  if (settings.isLoading) return <p>Loading notification settings…</p>;
  return (
    <section aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">Channels and events</h2>
      <form onSubmit={(event) => void save(event)}>
        <TextField
          label="E-mail address"
          value={email}
          onChange={setEmail}
          placeholder="you@example.com"
          hint="Leave empty for no e-mail."
          error={problem?.field === 'email' ? problem.message : null}
        />
        <TextField
          label="Webhook URL"
          value={webhookUrl}
          onChange={setWebhookUrl}
          placeholder="https://example.com/kpi-events"
          hint="Leave empty for no webhook. Each request is signed (X-KPI-Signature)."
          error={problem?.field === 'webhook_url' ? problem.message : null}
        />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={slack} onChange={(event) => setSlack(event.target.checked)} /> The webhook is a Slack
            incoming webhook (send <code>{'{ text }'}</code>)
          </label>
        </div>
        <fieldset>
          <legend>Tell me when</legend>
          {NOTIFICATION_EVENT_TYPES.map((type) => (
            <label key={type} className="check">
              <input type="checkbox" checked={events.includes(type)} onChange={(event) => toggle(type, event.target.checked)} />{' '}
              {EVENT_LABELS[type]}
            </label>
          ))}
        </fieldset>
        {problem && !problem.field && (
          <p className="field-error" role="alert">
            {problem.message}
          </p>
        )}
        <button type="submit" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save'}
        </button>{' '}
        <button type="button" className="button-secondary" onClick={() => void sendTest()} disabled={test.isPending}>
          {test.isPending ? 'Sending…' : 'Send a test'}
        </button>
        <output aria-live="polite">{saved && ' Saved.'}</output>
      </form>
      {secret && (
        <div className="notice notice-secret" role="status">
          <p>Your webhook secret, shown only this once: copy it now to verify the signatures.</p>
          <code className="mono">{secret}</code>
        </div>
      )}
      {tested && (
        <ul aria-label="Test results">
          <li>E-mail: {describeTest(tested.email)}</li>
          <li>Webhook: {describeTest(tested.webhook)}</li>
        </ul>
      )}
      <DeliveryList deliveries={deliveries.data ?? []} />
    </section>
  );
}

function describeTest(result: TestAnswer['email']): string {
  if (result.status === 'sent') return 'sent';
  if (result.status === 'not_configured') return 'not set up';
  return `failed: ${result.error}`;
}
