import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export type ChartPoint = { date: string; value: number | null; restated: boolean };

type DotProps = { cx?: number; cy?: number; index?: number; payload?: ChartPoint };

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
// The axis names a day as "30 Nov" (the tooltip keeps the full date): short enough that the last label
// fits inside the chart's right margin at 375 px. The dates are calendar days, so read them in UTC.
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const axisDay = (date: string) => dayFormat.format(new Date(`${date}T00:00:00Z`));

// A restated day gets a diamond on the line; a stored day with no stored neighbour, which a line cannot
// draw, gets a small circle; other days no dot, so a year of points stays readable.
function DayDot({ cx, cy, index, payload, points }: DotProps & { points: readonly ChartPoint[] }) {
  if (!payload || payload.value === null || cx === undefined || cy === undefined) return <g key={`dot-${index}`} />;
  if (payload.restated) {
    return (
      <path
        key={`dot-${index}`}
        d={`M${cx},${cy - 6}L${cx + 6},${cy}L${cx},${cy + 6}L${cx - 6},${cy}Z`}
        className="restated-dot"
        data-restated={payload.date}
      />
    );
  }
  const at = index ?? 0;
  const isolated = (points[at - 1]?.value ?? null) === null && (points[at + 1]?.value ?? null) === null;
  if (!isolated) return <g key={`dot-${index}`} />;
  return <circle key={`dot-${index}`} cx={cx} cy={cy} r={3} className="isolated-dot" data-isolated={payload.date} />;
}

/**
 * One metric as a line over the days; missing days are gaps, restated days diamonds. The chart is hidden
 * from assistive technology (the table beside it carries the figures), so its keyboard layer is off: a
 * focusable element inside aria-hidden would be reachable yet unnamed.
 */
export function MetricChart({ points, label }: { points: ChartPoint[]; label: string }) {
  return (
    <div className="metric-chart" aria-hidden="true">
      <ResponsiveContainer width="100%" height={180} initialDimension={{ width: 320, height: 180 }}>
        <LineChart data={points} margin={{ top: 8, right: 24, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid stroke="#e3e6eb" vertical={false} />
          <XAxis dataKey="date" tick={{ fontSize: 11 }} minTickGap={24} tickFormatter={axisDay} />
          <YAxis tick={{ fontSize: 11 }} width={56} tickFormatter={(value: number) => numberFormat.format(value)} />
          <Tooltip formatter={(value) => [numberFormat.format(Number(value)), label]} />
          <Line
            type="monotone"
            dataKey="value"
            name={label}
            stroke="#2454d6"
            strokeWidth={2}
            dot={(props: DotProps) => <DayDot {...props} points={points} />}
            activeDot={{ r: 4 }}
            isAnimationActive={false}
            connectNulls={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
