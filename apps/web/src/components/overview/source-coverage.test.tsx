// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrpcFixture } from '../../../test/trpc-fixture.tsx';
import type { KpiDay } from '../../lib/api-types.ts';
import { dayRange, localDay } from '../../lib/kpi-history.ts';
import { SourceCoverage } from './source-coverage.tsx';

afterEach(cleanup);

describe('SourceCoverage', () => {
  it('asks kpis.history for the 30 days ending yesterday and marks the days failed runs tried to fetch', async () => {
    const shown = dayRange(localDay(new Date(), 1), 30);
    const history = vi.fn((input: unknown) => {
      const { from, to } = input as { from: string; to: string };
      const days: KpiDay[] = Array.from({ length: 30 }, (_, index) => {
        const date = dayRange(to, 30 - index).from;
        const stored = index >= 28;
        return {
          date,
          metrics: stored ? { clicks: index } : null,
          synced_at: stored ? '2026-11-30T02:00:00.000Z' : null,
          run_id: stored ? 40 + index : null,
          missing: !stored,
          restated: index === 29,
        };
      });
      return { service: 'meta', from, to, timezone: null, days };
    });
    const failedDay = dayRange(shown.to, 3).from;
    const runs = vi.fn(() => ({
      items: [{ id: 9, status: 'failed', range: { from: failedDay, to: failedDay } }],
      nextCursor: null,
    }));
    render(
      <MemoryRouter>
        <TrpcFixture fixtures={{ 'kpis.history': history, 'runs.list': runs }}>
          <SourceCoverage service="meta" />
        </TrpcFixture>
      </MemoryRouter>,
    );
    expect(await screen.findByText('Last 30 days: 2 of 30 days stored, 1 restated, 27 missing, 1 failed')).toBeTruthy();
    expect(history).toHaveBeenCalledWith({ service: 'meta', from: shown.from, to: shown.to });
    expect(runs).toHaveBeenCalledWith({ service: 'meta', status: 'failed', limit: 100 });
    expect(screen.getByRole('link', { name: `${failedDay}: failed` }).getAttribute('href')).toBe('/runs/9');
    expect(
      screen.getByRole('link', { name: `${shown.to}: restated (figures changed after first sync)` }).getAttribute('href'),
    ).toBe('/runs/69');
  });

  it('says so when the history cannot be loaded', async () => {
    render(
      <MemoryRouter>
        <TrpcFixture
          fixtures={{
            'kpis.history': () => {
              throw new Error('boom');
            },
            'runs.list': () => ({ items: [], nextCursor: null }),
          }}
        >
          <SourceCoverage service="ga4" />
        </TrpcFixture>
      </MemoryRouter>,
    );
    expect(await screen.findByText('The last 30 days could not be loaded.')).toBeTruthy();
  });
});
