import { useSearchParams } from 'react-router';
import type { RunStatus } from '../../lib/api-types.ts';
import { runFiltersOf, runFiltersSearch } from '../../lib/run-filters.ts';
import type { Service } from '../../lib/services.ts';
import { trpc } from '../../lib/trpc.ts';
import { Empty, ErrorNotice, Loading } from '../layout/states.tsx';
import { RunFilters } from './run-filters.tsx';
import { RunTable } from './run-table.tsx';

const PAGE_SIZE = 20;
const ACTIVE: ReadonlySet<RunStatus> = new Set(['queued', 'running']);

/**
 * The viewer's runs, newest first, filtered and paged by the URL (so a filtered view can be bookmarked);
 * polled while any shown run is still active.
 */
export function RunHistory() {
  const [search, setSearch] = useSearchParams();
  const filters = runFiltersOf(search);
  const { service, status, before } = filters;

  const runs = trpc.runs.list.useQuery(
    { limit: PAGE_SIZE, ...(service ? { service } : {}), ...(status ? { status } : {}), ...(before ? { cursor: before } : {}) },
    {
      placeholderData: (previous) => previous,
      refetchInterval: (query) => (query.state.data?.items.some((run) => ACTIVE.has(run.status)) ? 2000 : false),
    },
  );

  function filter(next: { service?: Service | ''; status?: RunStatus | '' }) {
    setSearch(runFiltersSearch({ ...filters, ...next, before: undefined }));
  }

  const items = runs.data?.items ?? [];
  const refreshing = items.some((run) => ACTIVE.has(run.status));
  return (
    <div className="card">
      <RunFilters
        service={service}
        status={status}
        onChange={filter}
        onRefresh={() => void runs.refetch()}
        refreshing={runs.isFetching}
      />
      {runs.isLoading ? (
        <Loading label="Loading runs…" />
      ) : runs.error ? (
        <ErrorNotice title="Could not load run history" error={runs.error} onRetry={() => void runs.refetch()} />
      ) : items.length === 0 ? (
        <Empty>
          {service || status
            ? 'No runs match these filters.'
            : 'No runs yet. Use "Run now" on a source page, or enable a schedule.'}
        </Empty>
      ) : (
        <RunTable runs={items} />
      )}
      <nav className="pager" aria-label="Run history pages">
        <button
          type="button"
          className="button-secondary"
          disabled={!before}
          onClick={() => setSearch(runFiltersSearch({ ...filters, before: undefined }))}
        >
          Newest
        </button>
        <span className="muted" aria-live="polite">
          {before ? 'Older runs' : 'Newest runs'}
          {refreshing ? ' · updating while runs are active' : ''}
        </span>
        <button
          type="button"
          className="button-secondary"
          disabled={!runs.data?.nextCursor}
          onClick={() => setSearch(runFiltersSearch({ ...filters, before: runs.data?.nextCursor ?? undefined }))}
        >
          Older
        </button>
      </nav>
    </div>
  );
}
