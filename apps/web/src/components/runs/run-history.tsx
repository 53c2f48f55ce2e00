import { useState } from 'react';
import type { RunStatus } from '../../lib/api-types.ts';
import type { Service } from '../../lib/services.ts';
import { trpc } from '../../lib/trpc.ts';
import { Empty, ErrorNotice, Loading } from '../layout/states.tsx';
import { RunFilters } from './run-filters.tsx';
import { RunTable } from './run-table.tsx';

const PAGE_SIZE = 20;
const ACTIVE: ReadonlySet<RunStatus> = new Set(['queued', 'running']);

/** The viewer's runs, newest first, filtered and paged by cursor; polled while any shown run is still active. */
export function RunHistory() {
  const [service, setService] = useState<Service | ''>('');
  const [status, setStatus] = useState<RunStatus | ''>('');
  // Cursors of the pages before this one: "Newer" pops, "Older" pushes.
  const [cursors, setCursors] = useState<Array<number | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];

  const runs = trpc.runs.list.useQuery(
    { limit: PAGE_SIZE, ...(service ? { service } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) },
    {
      placeholderData: (previous) => previous,
      refetchInterval: (query) => (query.state.data?.items.some((run) => ACTIVE.has(run.status)) ? 2000 : false),
    },
  );

  function filter(next: { service?: Service | ''; status?: RunStatus | '' }) {
    if (next.service !== undefined) setService(next.service);
    if (next.status !== undefined) setStatus(next.status);
    setCursors([undefined]);
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
          {service || status ? 'No runs match these filters.' : 'No runs yet. Use "Run now" on a schedule, or enable one.'}
        </Empty>
      ) : (
        <RunTable runs={items} />
      )}
      <nav className="pager" aria-label="Run history pages">
        <button
          type="button"
          className="button-secondary"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((stack) => stack.slice(0, -1))}
        >
          Newer
        </button>
        <span className="muted" aria-live="polite">
          Page {cursors.length}
          {refreshing ? ' · updating while runs are active' : ''}
        </span>
        <button
          type="button"
          className="button-secondary"
          disabled={!runs.data?.nextCursor}
          onClick={() => setCursors((stack) => [...stack, runs.data?.nextCursor ?? undefined])}
        >
          Older
        </button>
      </nav>
    </div>
  );
}
