// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrpcFixture } from '../../../test/trpc-fixture.tsx';
import { NotificationsSettings } from './notifications-settings.tsx';

afterEach(cleanup);

const ALL = ['run.failed', 'schedule.paused', 'connection.needs_reauth', 'run.recovered'];
const empty = { email: null, webhook_url: null, slack: false, events: ALL };

function fixtures(overrides: Record<string, (input: unknown) => unknown> = {}) {
  return {
    'notifications.get': () => empty,
    'notifications.deliveries': () => [],
    'notifications.update': (input: unknown) => ({ ...empty, ...(input as object), webhook_secret: 'whsec_shown-once' }),
    'notifications.test': () => ({ email: { status: 'sent', error: null }, webhook: { status: 'not_configured', error: null } }),
    ...overrides,
  };
}

describe('NotificationsSettings', () => {
  it('saves the channels and events and shows a new webhook secret once', async () => {
    const update = vi.fn(fixtures()['notifications.update']);
    render(
      <TrpcFixture fixtures={fixtures({ 'notifications.update': update })}>
        <NotificationsSettings />
      </TrpcFixture>,
    );
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('E-mail address'), 'me@example.com');
    await user.type(screen.getByLabelText('Webhook URL'), 'https://hooks.example.com/kpi');
    await user.click(screen.getByLabelText('A sync succeeded again after failing'));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(update).toHaveBeenCalledWith({
      email: 'me@example.com',
      webhook_url: 'https://hooks.example.com/kpi',
      slack: false,
      events: ['run.failed', 'schedule.paused', 'connection.needs_reauth'],
    });
    const notice = await screen.findByText(/shown only this once/);
    expect(within(notice.parentElement as HTMLElement).getByText('whsec_shown-once')).toBeTruthy();
  });

  it("shows the server's refusal of a webhook URL under the field", async () => {
    const update = vi.fn(() => {
      throw Object.assign(
        new Error("webhook_url's host 10.0.0.1 resolves to 10.0.0.1, a private, loopback or link-local address"),
        { data: { appCode: 'VALIDATION_ERROR', httpStatus: 400, details: { field: 'webhook_url' } } },
      );
    });
    render(
      <TrpcFixture fixtures={fixtures({ 'notifications.update': update })}>
        <NotificationsSettings />
      </TrpcFixture>,
    );
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Webhook URL'), 'https://10.0.0.1/hook');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toContain('a private, loopback or link-local address');
    expect(screen.queryByText(/shown only this once/)).toBeNull();
  });

  it('sends a test and says what each channel did; lists recent deliveries', async () => {
    const deliveries = () => [
      {
        id: 3,
        event_id: 'e3',
        event_type: 'run.failed',
        service: 'meta',
        channel: 'webhook',
        status: 'failed',
        attempts: 24,
        folded: 2,
        last_error: 'gave up after 24 attempts over 24 h: the webhook answered HTTP 500',
        created_at: '2026-06-01T08:00:00.000Z',
        next_attempt_at: null,
        delivered_at: null,
      },
    ];
    render(
      <TrpcFixture fixtures={fixtures({ 'notifications.deliveries': deliveries })}>
        <NotificationsSettings />
      </TrpcFixture>,
    );
    expect(await screen.findByText(/gave up after 24 attempts/)).toBeTruthy();
    expect(screen.getByText('given up')).toBeTruthy();
    expect(screen.getByText('(+2)', { exact: false })).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Send a test' }));
    const results = await screen.findByRole('list', { name: 'Test results' });
    expect(results.textContent).toContain('E-mail: sent');
    expect(results.textContent).toContain('Webhook: not set up');
  });
});
