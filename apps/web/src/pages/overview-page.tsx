import { LatestKpis } from '../components/kpis/latest-kpis.tsx';
import { PageTitle } from '../components/layout/page-title.tsx';
import { ErrorNotice, Loading } from '../components/layout/states.tsx';
import { SourceCard } from '../components/overview/source-card.tsx';
import { SourceCoverage } from '../components/overview/source-coverage.tsx';
import { useNow } from '../hooks/use-now.ts';
import { useSchedules } from '../hooks/use-schedules.ts';
import { SERVICES } from '../lib/services.ts';
import { browserTimeZone } from '../lib/time-zones.ts';
import { trpc } from '../lib/trpc.ts';

/**
 * Every source at a glance: its state, how fresh its data is, when it runs next and its last 30 days;
 * then the latest figures.
 */
export function OverviewPage() {
  const now = useNow();
  const schedules = useSchedules();
  const connections = trpc.connections.list.useQuery();
  const stats = trpc.runs.stats.useQuery(undefined, { refetchInterval: 30_000 });
  const latest = trpc.kpis.latest.useQuery();
  const viewerZone = browserTimeZone();

  const loading = schedules.isLoading || connections.isLoading || stats.isLoading;
  const error = schedules.error ?? connections.error ?? stats.error;
  return (
    <>
      <PageTitle title="Overview" />
      {loading ? (
        <Loading label="Loading your sources…" />
      ) : error ? (
        <ErrorNotice
          title="Could not load your sources"
          error={error}
          onRetry={() => void Promise.all([schedules.refetch(), connections.refetch(), stats.refetch()])}
        />
      ) : (
        <div className="schedule-grid">
          {SERVICES.map((service) => (
            <SourceCard
              key={service}
              service={service}
              schedule={schedules.schedules?.find((entry) => entry.service === service)}
              connection={connections.data?.find((entry) => entry.service === service)}
              stats={stats.data?.find((entry) => entry.service === service)}
              dataThrough={latest.data?.find((entry) => entry.service === service)?.date ?? null}
              now={now}
              viewerTimeZone={viewerZone}
              coverage={<SourceCoverage service={service} />}
            />
          ))}
        </div>
      )}
      <section aria-labelledby="kpis-title" id="kpis">
        <h2 id="kpis-title">Latest KPIs</h2>
        <LatestKpis />
      </section>
    </>
  );
}
