// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HistoryDay } from '../../lib/kpi-history.ts';
import { HistorySection } from './history-section.tsx';

afterEach(cleanup);

const days: HistoryDay[] = [
  {
    date: '2026-11-01',
    metrics: { orders: 5 },
    synced_at: '2026-11-02T03:00:00.000Z',
    run_id: 1,
    missing: false,
    restated: false,
  },
  {
    date: '2026-11-02',
    metrics: { orders: 7 },
    synced_at: '2026-11-03T03:00:00.000Z',
    run_id: 2,
    missing: false,
    restated: true,
  },
];

describe('HistorySection', () => {
  it('loads the charts lazily and reports the range picked', async () => {
    const onRange = vi.fn();
    render(<HistorySection range={30} onRange={onRange} days={days} />);
    expect(screen.getByRole('status').textContent).toContain('Loading charts');
    expect(await screen.findByRole('figure', { name: 'Orders per day' }, { timeout: 10_000 })).toBeTruthy();
    expect((screen.getByRole('radio', { name: '30 days' }) as HTMLInputElement).checked).toBe(true);
    await userEvent.setup().click(screen.getByRole('radio', { name: '365 days' }));
    expect(onRange).toHaveBeenCalledWith(365);
  });

  it('has a loading, an error and a no-history state', () => {
    const { rerender } = render(<HistorySection range={90} onRange={() => {}} days={undefined} loading />);
    expect(screen.getByRole('status').textContent).toContain('Loading KPI history');
    rerender(<HistorySection range={90} onRange={() => {}} days={undefined} error={new Error('Range too long')} />);
    expect(screen.getByRole('alert').textContent).toContain('Range too long');
    rerender(<HistorySection range={90} onRange={() => {}} days={undefined} />);
    expect(screen.getByText(/not available from this server yet/)).toBeTruthy();
  });
});
