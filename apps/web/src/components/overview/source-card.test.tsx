// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection, RunStats, Schedule } from '../../lib/api-types.ts';
import { SourceCard } from './source-card.tsx';

afterEach(cleanup);

const NOW = new Date('2026-11-02T10:00:00.000Z');

const schedule = (extra: Record<string, unknown> = {}) =>
  ({
    id: 1,
    service: 'meta',
    cron: '0 2 * * *',
    enabled: true,
    timezone: 'Asia/Tokyo',
    last_run_at: null,
    next_run_at: '2026-11-02T17:00:00.000Z',
    created_at: '2026-11-01T00:00:00.000Z',
    updated_at: '2026-11-01T01:00:00.000Z',
    ...extra,
  }) as Schedule;

const connection = (extra: Partial<Connection> = {}) => ({ service: 'meta', mode: 'live', status: 'ok', ...extra }) as Connection;

const stats = (extra: Partial<RunStats> = {}) =>
  ({
    service: 'meta',
    last_success_at: '2026-11-02T07:00:00.000Z',
    last_failure_at: null,
    success_rate: 1,
    average_duration_ms: 900,
    next_run_at: null,
    runs_total: 3,
    ...extra,
  }) as RunStats;

function show(props: { schedule?: Schedule; connection?: Connection; stats?: RunStats; dataThrough?: string | null }) {
  render(
    <MemoryRouter>
      <SourceCard
        service="meta"
        schedule={props.schedule}
        connection={props.connection}
        stats={props.stats}
        dataThrough={props.dataThrough ?? null}
        now={NOW}
        viewerTimeZone="America/New_York"
      />
    </MemoryRouter>,
  );
  return document.querySelector('[data-state]')?.textContent;
}

describe('SourceCard', () => {
  it('a live source whose last run worked is healthy, with its data date, last success and next run in both zones', () => {
    expect(show({ schedule: schedule(), connection: connection(), stats: stats(), dataThrough: '2026-11-01' })).toBe('✓ Healthy');
    expect(screen.getByRole('link', { name: 'Meta Ads' }).getAttribute('href')).toBe('/sources/meta');
    expect(screen.getByText('2026-11-01')).toBeTruthy();
    expect(screen.getByText('3 hours ago').getAttribute('title')).toMatch(/2026/);
    const next = screen.getByTestId('next-run-meta').textContent ?? '';
    expect(next).toMatch(/^in 7 hours/);
    expect(next).toMatch(/GMT\+9.*\(schedule\)/);
    expect(next).toMatch(/(EST|GMT-5).*\(yours\)/);
  });

  it('names every other state in words', () => {
    expect(
      show({ schedule: schedule(), connection: connection(), stats: stats({ last_failure_at: '2026-11-02T08:00:00.000Z' }) }),
    ).toBe('✕ Failing');
    cleanup();
    expect(show({ schedule: schedule(), connection: connection({ status: 'needs_reauth' }), stats: stats() })).toBe(
      '! Needs reconnect',
    );
    cleanup();
    expect(
      show({ schedule: schedule({ paused_reason: '3 failed runs in a row' }), connection: connection(), stats: stats() }),
    ).toBe('⏸ Paused');
    expect(screen.getByText('3 failed runs in a row')).toBeTruthy();
    cleanup();
    expect(
      show({
        schedule: schedule({ enabled: false, next_run_at: null }),
        connection: connection({ mode: 'sample', status: null }),
      }),
    ).toBe('○ Not connected');
    expect(screen.getByTestId('next-run-meta').textContent).toBe('Schedule off');
    cleanup();
    expect(show({ schedule: schedule(), connection: connection({ mode: 'sample', status: null }), stats: stats() })).toBe(
      '◐ Sample data',
    );
    cleanup();
    expect(show({ schedule: schedule(), connection: connection() })).toBe('… Connected');
  });
});
