// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrpcFixture } from '../../../test/trpc-fixture.tsx';
import type { Connection, Schedule } from '../../lib/api-types.ts';
import { PausedBanner } from './paused-banner.tsx';

afterEach(cleanup);

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: 1,
    service: 'meta',
    cron: '0 2 * * *',
    enabled: false,
    timezone: 'UTC',
    lookback_days: 7,
    last_run_at: null,
    next_run_at: null,
    pause_after_failures: 5,
    paused_reason: 'Paused after 5 failed runs in a row; the last one said: Meta answered 500.',
    paused_at: '2026-06-05T08:00:00.000Z',
    created_at: '2026-06-01T00:00:00.000Z',
    updated_at: '2026-06-05T08:00:00.000Z',
    ...overrides,
  };
}

const needsReauth = { service: 'meta', status: 'needs_reauth' } as Connection;

describe('PausedBanner', () => {
  it('shows nothing for a schedule that is not paused', () => {
    const { container } = render(
      <TrpcFixture fixtures={{}}>
        <PausedBanner schedule={schedule({ paused_reason: null, paused_at: null, enabled: true })} onReconnect={vi.fn()} />
      </TrpcFixture>,
    );
    expect(container.textContent).toBe('');
  });

  it('shows the reason and resumes the schedule', async () => {
    const update = vi.fn((input: unknown) => ({ ...schedule({ paused_reason: null, paused_at: null, enabled: true }), input }));
    render(
      <TrpcFixture fixtures={{ 'schedules.update': update, 'schedules.list': () => [] }}>
        <PausedBanner schedule={schedule()} onReconnect={vi.fn()} />
      </TrpcFixture>,
    );
    const banner = screen.getByRole('status', { name: 'meta schedule paused' });
    expect(banner.textContent).toContain('Paused after 5 failed runs in a row');
    expect(banner.textContent).toContain('2026');
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toBeNull();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Resume' }));
    expect(update).toHaveBeenCalledWith({ service: 'meta', enabled: true });
  });

  it('asks to reconnect when the source refused the credential', async () => {
    const onReconnect = vi.fn();
    render(
      <TrpcFixture fixtures={{}}>
        <PausedBanner
          schedule={schedule({ paused_reason: 'Meta Ads refused the saved credential. Reconnect Meta Ads to resume the sync.' })}
          connection={needsReauth}
          onReconnect={onReconnect}
        />
      </TrpcFixture>,
    );
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(onReconnect).toHaveBeenCalledTimes(1);
  });
});
