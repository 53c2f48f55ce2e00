import { useKpiHistory } from '../../hooks/use-kpi-history.ts';
import { useLastCompleteDay } from '../../hooks/use-last-complete-day.ts';
import { failedRunDays } from '../../lib/coverage.ts';
import { dayRange } from '../../lib/kpi-history.ts';
import type { Service } from '../../lib/services.ts';
import { trpc } from '../../lib/trpc.ts';
import { CoverageStrip } from '../kpis/coverage-strip.tsx';

/**
 * A source's last 30 days (ending yesterday in the source's zone, the newest day that can be complete) as a coverage strip:
 * stored days link to the run that wrote them, missing days a failed run tried to fetch link to that run.
 */
export function SourceCoverage({ service }: { service: Service }) {
  const shown = dayRange(useLastCompleteDay(service), 30);
  const history = useKpiHistory(service, shown.from, shown.to);
  const failed = trpc.runs.list.useQuery({ service, status: 'failed', limit: 100 }, { staleTime: 60_000 });
  if (history.isLoading) return <p className="muted small">Loading the last 30 days…</p>;
  if (history.error) return <p className="muted small">The last 30 days could not be loaded.</p>;
  return <CoverageStrip days={history.days} failedRuns={failedRunDays(failed.data?.items ?? [])} label="Last 30 days" />;
}
