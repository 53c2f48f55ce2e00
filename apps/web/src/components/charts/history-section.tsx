import { lazy, Suspense } from 'react';
import { HISTORY_RANGES, type HistoryDay, type HistoryRange } from '../../lib/kpi-history.ts';
import { Empty, ErrorNotice, Loading } from '../layout/states.tsx';

// The chart library is the largest dependency; it loads when a source page first shows a chart.
const HistoryCharts = lazy(() => import('./history-charts.tsx'));

type Props = {
  range: HistoryRange;
  onRange: (range: HistoryRange) => void;
  /** The stored days of the range, oldest first; undefined while they load or when the server has none. */
  days: readonly HistoryDay[] | undefined;
  loading?: boolean;
  error?: unknown;
  onRetry?: () => void;
};

/** KPI history over 30, 90 or 365 days: a range switch, then one chart per metric. */
export function HistorySection({ range, onRange, days, loading = false, error, onRetry }: Props) {
  return (
    <section aria-labelledby="history-title" className="history">
      <div className="section-head">
        <h2 id="history-title">KPI history</h2>
        <fieldset className="segmented">
          <legend className="visually-hidden">Days shown</legend>
          {HISTORY_RANGES.map((option) => (
            <label key={option} className={option === range ? 'selected' : undefined}>
              <input
                type="radio"
                name="history-range"
                value={option}
                checked={option === range}
                onChange={() => onRange(option)}
              />
              {option} days
            </label>
          ))}
        </fieldset>
      </div>
      {loading ? (
        <Loading label="Loading KPI history…" />
      ) : error ? (
        <ErrorNotice title="Could not load KPI history" error={error} {...(onRetry ? { onRetry } : {})} />
      ) : !days ? (
        <Empty>Day-by-day history is not available from this server yet; the latest figures are on the overview.</Empty>
      ) : (
        <Suspense fallback={<Loading label="Loading charts…" />}>
          <HistoryCharts days={days} />
        </Suspense>
      )}
    </section>
  );
}
