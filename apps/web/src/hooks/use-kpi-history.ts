import type { Service } from '../lib/services.ts';
import { trpc } from '../lib/trpc.ts';

/**
 * One source's KPI figures per day from `from` to `to` (YYYY-MM-DD, the source's own days, at most 366):
 * every day is an entry, stored (`metrics`, `synced_at`, `run_id`, `restated`) or `missing: true`, which
 * is what a chart and a coverage strip draw. Disabled until both dates are given.
 */
export function useKpiHistory(service: Service, from: string | undefined, to: string | undefined) {
  const query = trpc.kpis.history.useQuery(
    { service, from: from ?? '', to: to ?? '' },
    { enabled: Boolean(from && to), staleTime: 60_000 },
  );
  return {
    history: query.data,
    days: query.data?.days ?? [],
    isLoading: query.isLoading,
    error: query.error,
    refetch: query.refetch,
  };
}
