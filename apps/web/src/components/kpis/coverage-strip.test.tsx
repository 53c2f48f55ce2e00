// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryDay } from '../../lib/kpi-history.ts';
import { CoverageStrip } from './coverage-strip.tsx';

afterEach(cleanup);

function day(date: string, extra: Partial<HistoryDay> = {}): HistoryDay {
  return {
    date,
    metrics: { spend: 1 },
    synced_at: `${date}T03:00:00.000Z`,
    run_id: 7,
    missing: false,
    restated: false,
    ...extra,
  };
}

describe('CoverageStrip', () => {
  it('draws one cell per day, each kind named in words, and links a day to the run that wrote or failed it', () => {
    const days = [
      day('2026-11-01'),
      day('2026-11-02', { restated: true, run_id: 9 }),
      day('2026-11-03', { missing: true, metrics: null, run_id: null, synced_at: null }),
      day('2026-11-04', { missing: true, metrics: null, run_id: null, synced_at: null }),
    ];
    render(
      <MemoryRouter>
        <CoverageStrip days={days} failedRuns={new Map([['2026-11-04', 12]])} label="Last 4 days" />
      </MemoryRouter>,
    );
    expect(screen.getByText(/Last 4 days: 2 of 4 days stored, 1 restated, 1 missing, 1 failed/)).toBeTruthy();
    expect(document.querySelectorAll('.coverage-cell')).toHaveLength(4);
    expect(screen.getByRole('link', { name: '2026-11-01: synced' }).getAttribute('href')).toBe('/runs/7');
    expect(screen.getByRole('link', { name: /2026-11-02: restated/ }).getAttribute('href')).toBe('/runs/9');
    // A missing day no run tried has nothing to open; a failed one opens the failed run.
    expect(screen.getByRole('img', { name: '2026-11-03: missing' })).toBeTruthy();
    expect(screen.getByRole('link', { name: '2026-11-04: failed' }).getAttribute('href')).toBe('/runs/12');
    expect([...document.querySelectorAll('.coverage-cell')].map((cell) => cell.getAttribute('data-kind'))).toEqual([
      'synced',
      'restated',
      'missing',
      'failed',
    ]);
  });
});
