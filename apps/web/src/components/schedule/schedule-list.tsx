import { useSchedules } from '../../hooks/use-schedules.ts';
import type { Connection } from '../../lib/api-types.ts';
import type { Service } from '../../lib/services.ts';
import { trpc } from '../../lib/trpc.ts';
import { ModeBadge } from '../connections/connection-status.tsx';
import { Empty, ErrorNotice, Loading } from '../layout/states.tsx';
import { RunNow } from './run-now.tsx';
import { ScheduleConfig } from './schedule-config.tsx';

function modeOf(connections: Connection[] | undefined, service: Service) {
  const mode = connections?.find((entry) => entry.service === service)?.mode;
  return mode ? <ModeBadge mode={mode} /> : undefined;
}

export function ScheduleList() {
  const { schedules, isLoading, error, refetch, updateSchedule, runNow } = useSchedules();
  // Statistics are a garnish: the cards work without them.
  const stats = trpc.runs.stats.useQuery(undefined, { refetchInterval: 30_000 });
  // So are the server's limits (a too-frequent cron is then caught on Save) and the live/sample labels.
  const limits = trpc.schedules.limits.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
  const connections = trpc.connections.list.useQuery();

  if (isLoading) return <Loading label="Loading schedules…" />;
  if (error) return <ErrorNotice title="Could not load schedules" error={error} onRetry={() => void refetch()} />;
  if (!schedules || schedules.length === 0) {
    return <Empty>No schedules are available yet. The server may still be preparing its database; try again shortly.</Empty>;
  }
  return (
    <div className="schedule-grid">
      {schedules.map((schedule) => (
        <ScheduleConfig
          key={schedule.service}
          schedule={schedule}
          stats={stats.data?.find((entry) => entry.service === schedule.service)}
          onSave={(changes) => updateSchedule(schedule.service, changes)}
          actions={<RunNow onRun={() => runNow(schedule.service)} />}
          minIntervalSeconds={limits.data?.minIntervalSeconds ?? 0}
          badge={modeOf(connections.data, schedule.service)}
        />
      ))}
    </div>
  );
}
