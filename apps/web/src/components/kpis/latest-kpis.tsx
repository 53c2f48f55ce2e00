import { serviceLabel } from '../../lib/services.ts';
import { formatDateTime } from '../../lib/time.ts';
import { trpc } from '../../lib/trpc.ts';
import { Empty, ErrorNotice, Loading } from '../layout/states.tsx';

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

function formatMetricName(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The newest snapshot per data source; figures from the sample connector say so plainly. */
export function LatestKpis() {
  const kpis = trpc.kpis.latest.useQuery();
  const connections = trpc.connections.list.useQuery();
  const modes = new Map(connections.data?.map((entry) => [entry.service, entry.mode]));
  if (kpis.isLoading) return <Loading label="Loading KPIs…" />;
  if (kpis.error) return <ErrorNotice title="Could not load KPIs" error={kpis.error} onRetry={() => void kpis.refetch()} />;
  if (!kpis.data || kpis.data.length === 0) return <Empty>No KPIs yet. They appear here after a sync succeeds.</Empty>;
  return (
    <div className="kpi-grid">
      {kpis.data.map((snapshot) => (
        <article key={snapshot.service} className="card kpi" aria-label={`${serviceLabel(snapshot.service)} KPIs`}>
          <header className="kpi-head">
            <h3>{serviceLabel(snapshot.service)}</h3>
            {snapshot.sample ? (
              <span className="badge badge-sample" title="Produced by the sample connector, not the real API">
                Sample data
              </span>
            ) : (
              <span className="badge badge-ok" title="Fetched from your connected account">
                Live data
              </span>
            )}
          </header>
          <p className="muted">
            For {snapshot.date} · updated <time dateTime={snapshot.updated_at}>{formatDateTime(snapshot.updated_at)}</time> ·
            source {snapshot.source}
          </p>
          {snapshot.sample && modes.get(snapshot.service) === 'live' && (
            <p className="hint">Connected since: the next sync replaces these sample figures with real ones.</p>
          )}
          <dl className="metrics">
            {Object.entries(snapshot.metrics).map(([name, value]) => (
              <div key={name}>
                <dt>{formatMetricName(name)}</dt>
                <dd>{typeof value === 'number' ? numberFormat.format(value) : value}</dd>
              </div>
            ))}
          </dl>
        </article>
      ))}
    </div>
  );
}
