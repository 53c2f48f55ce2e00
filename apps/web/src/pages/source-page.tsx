import { useCallback } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { BackfillForm } from '../components/backfill/backfill-form.tsx';
import { HistorySection } from '../components/charts/history-section.tsx';
import { ConnectionCard } from '../components/connections/connection-card.tsx';
import { PageTitle } from '../components/layout/page-title.tsx';
import { ErrorNotice, Loading } from '../components/layout/states.tsx';
import { PausedBanner } from '../components/notifications/paused-banner.tsx';
import { StateBadge } from '../components/overview/state-badge.tsx';
import { RunNow } from '../components/schedule/run-now.tsx';
import { ScheduleConfig } from '../components/schedule/schedule-config.tsx';
import { useBackfill } from '../hooks/use-backfill.ts';
import { useConnections } from '../hooks/use-connections.ts';
import { useKpiHistory } from '../hooks/use-kpi-history.ts';
import { useLastCompleteDay } from '../hooks/use-last-complete-day.ts';
import { useSchedules } from '../hooks/use-schedules.ts';
import { dayRange, historyRangeOf } from '../lib/kpi-history.ts';
import { SERVICES, type Service, serviceLabel } from '../lib/services.ts';
import { sourceState } from '../lib/source-state.ts';
import { trpc } from '../lib/trpc.ts';
import { NotFoundPage } from './not-found-page.tsx';

const isService = (value: string | undefined): value is Service => SERVICES.includes(value as Service);

export function SourcePage() {
  const { service } = useParams();
  if (!isService(service)) return <NotFoundPage />;
  return <SourceDetail service={service} />;
}

/** Brings the connection form into view and focus, where a refused credential is replaced. */
function focusConnection() {
  const heading = document.getElementById('connection-title');
  heading?.scrollIntoView({ block: 'start' });
  heading?.focus();
}

/**
 * One source: its schedule, its connection, a backfill and its KPI history (`?days=` picks 30, 90 or
 * 365 days ending yesterday in the source's zone, the newest day that can be complete).
 */
function SourceDetail({ service }: { service: Service }) {
  const [search, setSearch] = useSearchParams();
  const range = historyRangeOf(search.get('days'));
  const lastDay = useLastCompleteDay(service);
  const shown = dayRange(lastDay, range);
  const history = useKpiHistory(service, shown.from, shown.to);
  const backfill = useBackfill();
  const utils = trpc.useUtils();
  // A finished backfill has stored days: the charts, the latest figures and the run counts move on.
  const onBackfillEnded = useCallback(() => {
    void Promise.all([utils.kpis.history.invalidate(), utils.kpis.latest.invalidate(), utils.runs.stats.invalidate()]);
  }, [utils]);
  const schedules = useSchedules();
  const connections = useConnections();
  const stats = trpc.runs.stats.useQuery(undefined, { refetchInterval: 30_000 });
  const limits = trpc.schedules.limits.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });

  const schedule = schedules.schedules?.find((entry) => entry.service === service);
  const connection = connections.connections?.find((entry) => entry.service === service);
  const serviceStats = stats.data?.find((entry) => entry.service === service);
  const state = sourceState({ schedule, connection, stats: serviceStats });

  return (
    <>
      <PageTitle title={serviceLabel(service)}>
        {!schedules.isLoading && !connections.isLoading && <StateBadge state={state} />}
      </PageTitle>
      {schedule && <PausedBanner schedule={schedule} connection={connection} onReconnect={focusConnection} />}
      <div className="source-grid">
        <section aria-labelledby="schedule-title">
          <h2 id="schedule-title">Schedule</h2>
          {schedules.isLoading ? (
            <Loading label="Loading the schedule…" />
          ) : schedules.error || !schedule ? (
            <ErrorNotice title="Could not load the schedule" error={schedules.error} onRetry={() => void schedules.refetch()} />
          ) : (
            <ScheduleConfig
              schedule={schedule}
              stats={serviceStats}
              onSave={(changes) => schedules.updateSchedule(service, changes)}
              actions={<RunNow onRun={() => schedules.runNow(service)} />}
              minIntervalSeconds={limits.data?.minIntervalSeconds ?? 0}
            />
          )}
        </section>
        <section aria-labelledby="connection-title">
          <h2 id="connection-title" tabIndex={-1}>
            Connection
          </h2>
          {connections.isLoading ? (
            <Loading label="Loading the connection…" />
          ) : connections.error || !connection ? (
            <ErrorNotice
              title="Could not load the connection"
              error={connections.error}
              onRetry={() => void connections.refetch()}
            />
          ) : (
            <ConnectionCard
              connection={connection}
              onSave={connections.saveConnection}
              onTest={() => connections.testConnection(service)}
              onRemove={() => connections.removeConnection(service)}
            />
          )}
        </section>
        <section aria-labelledby="backfill-title">
          <h2 id="backfill-title">Backfill</h2>
          <BackfillForm
            service={service}
            lastDay={lastDay}
            onBackfill={backfill.backfill}
            onCancel={backfill.cancel}
            onEnded={onBackfillEnded}
          />
        </section>
      </div>
      <HistorySection
        range={range}
        onRange={(days) =>
          setSearch(
            (current) => {
              current.set('days', String(days));
              return current;
            },
            { replace: true },
          )
        }
        days={history.history ? history.days : undefined}
        loading={history.isLoading}
        error={history.error}
        onRetry={() => void history.refetch()}
      />
    </>
  );
}
