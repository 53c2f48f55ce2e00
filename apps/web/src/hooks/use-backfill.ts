import type { Service } from '../lib/services.ts';
import { trpc } from '../lib/trpc.ts';

/** Queue and cancel backfills for `BackfillForm`; each refreshes the run history, where backfills show too. */
export function useBackfill() {
  const utils = trpc.useUtils();
  const refresh = () => Promise.all([utils.runs.list.invalidate(), utils.runs.stats.invalidate()]);
  const request = trpc.schedules.backfill.useMutation({ onSettled: refresh });
  const cancel = trpc.runs.cancel.useMutation({ onSettled: refresh });
  return {
    backfill: (range: { service: Service; from: string; to: string }) => request.mutateAsync(range),
    cancel: (id: number) => cancel.mutateAsync({ id }),
  };
}
