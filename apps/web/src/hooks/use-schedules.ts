import type { Schedule, ScheduleChanges } from '../lib/api-types.ts';
import type { Service } from '../lib/services.ts';
import { trpc } from '../lib/trpc.ts';

/**
 * The viewer's schedules, with save and run-now. A save writes the server's answer straight into the
 * cached list (no refetch flash); a run invalidates run history and statistics so they show the new job.
 */
export function useSchedules() {
  const utils = trpc.useUtils();
  const list = trpc.schedules.list.useQuery();

  const update = trpc.schedules.update.useMutation({
    onSuccess: (saved) => {
      utils.schedules.list.setData(undefined, (current) =>
        current?.map((schedule) => (schedule.service === saved.service ? saved : schedule)),
      );
    },
  });

  const run = trpc.schedules.run.useMutation({
    onSettled: () => Promise.all([utils.runs.list.invalidate(), utils.runs.stats.invalidate()]),
  });

  return {
    schedules: list.data as Schedule[] | undefined,
    isLoading: list.isLoading,
    error: list.error,
    refetch: list.refetch,
    updateSchedule: (service: Service, changes: ScheduleChanges) => update.mutateAsync({ service, ...changes }),
    runNow: (service: Service) => run.mutateAsync({ service }),
  };
}
