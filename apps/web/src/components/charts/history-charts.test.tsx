// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryDay } from '../../lib/kpi-history.ts';
import HistoryCharts from './history-charts.tsx';

afterEach(cleanup);

const days: HistoryDay[] = [
  {
    date: '2026-11-01',
    metrics: { spend: 10, clicks: 3 },
    synced_at: '2026-11-02T03:00:00.000Z',
    run_id: 1,
    missing: false,
    restated: false,
  },
  { date: '2026-11-02', metrics: null, synced_at: null, run_id: null, missing: true, restated: false },
  {
    date: '2026-11-03',
    metrics: { spend: 12.5, clicks: 4 },
    synced_at: '2026-11-04T03:00:00.000Z',
    run_id: 2,
    missing: false,
    restated: true,
  },
];

describe('HistoryCharts', () => {
  it('draws one chart per metric, with its days as a table: missing days said, restated days marked', () => {
    render(<HistoryCharts days={days} />);
    const spend = screen.getByRole('figure', { name: 'Spend per day' });
    expect(screen.getByRole('figure', { name: 'Clicks per day' })).toBeTruthy();
    expect(within(spend).getByText(/1 restated day/)).toBeTruthy();
    const rows = within(spend).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.textContent)).toEqual(['2026-11-0110', '2026-11-02missing', '2026-11-0312.5 (restated)']);
    expect(rows[2]?.getAttribute('data-restated')).toBe('true');
  });

  it('says so when the range holds no figures at all', () => {
    render(<HistoryCharts days={[days[1] as HistoryDay]} />);
    expect(screen.getByText('No figures are stored for these days yet.')).toBeTruthy();
  });
});
