import { type HistoryDay, metricLabel, metricNames, metricValue } from '../../lib/kpi-history.ts';
import { Empty } from '../layout/states.tsx';
import { type ChartPoint, MetricChart } from './metric-chart.tsx';

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

function pointsOf(days: readonly HistoryDay[], metric: string): ChartPoint[] {
  return days.map((day) => ({ date: day.date, value: metricValue(day, metric), restated: day.restated }));
}

/**
 * One line chart per metric over the given days (loaded lazily: this module carries the chart library).
 * Each chart has its figures as a table too, for screen readers and for reading exact values.
 */
export default function HistoryCharts({ days }: { days: readonly HistoryDay[] }) {
  const metrics = metricNames(days);
  if (metrics.length === 0) return <Empty>No figures are stored for these days yet.</Empty>;
  const restated = days.filter((day) => day.restated).length;
  return (
    <div className="chart-grid">
      {metrics.map((metric) => {
        const label = metricLabel(metric);
        const points = pointsOf(days, metric);
        return (
          <figure key={metric} className="card chart" aria-label={`${label} per day`}>
            <figcaption>
              <strong>{label}</strong>
              {restated > 0 && (
                <span className="muted small">
                  {' '}
                  · <span aria-hidden="true">◆</span> {restated} restated {restated === 1 ? 'day' : 'days'}
                </span>
              )}
            </figcaption>
            <MetricChart points={points} label={label} />
            <details>
              <summary>Figures as a table</summary>
              <table className="figures-table">
                <caption className="visually-hidden">{label} per day</caption>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col">{label}</th>
                  </tr>
                </thead>
                <tbody>
                  {points.map((point) => (
                    <tr key={point.date} data-restated={point.restated || undefined}>
                      <td>{point.date}</td>
                      <td>
                        {point.value === null ? 'missing' : numberFormat.format(point.value)}
                        {point.restated && ' (restated)'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </figure>
        );
      })}
    </div>
  );
}
