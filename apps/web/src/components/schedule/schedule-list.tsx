import { useSchedules } from '../../hooks/use-schedules.ts';
import { trpc } from '../../lib/trpc.ts';
import { Empty, ErrorNotice, Loading } from '../layout/states.tsx';
import { RunNow } from './run-now.tsx';
import { ScheduleConfig } from './schedule-config.tsx';

export function ScheduleList() {
  const { schedules, isLoading, error, refetch, updateSchedule, runNow } = useSchedules();
  // Statistics are a garnish: the cards work without them.
  const stats = trpc.runs.stats.useQuery(undefined, { refetchInterval: 30_000 });

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
        />
      ))}
    </div>
  );
}
