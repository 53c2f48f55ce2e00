import { PageTitle } from '../components/layout/page-title.tsx';
import { ErrorNotice, Loading } from '../components/layout/states.tsx';
import { useViewer } from '../hooks/use-viewer.ts';
import { trpc } from '../lib/trpc.ts';

function figureText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Administrators only: the server answers 403 to anyone else, so the page says so instead of guessing. */
export function AdminPage() {
  const viewer = useViewer();
  const stats = trpc.scheduler.stats.useQuery(undefined, { enabled: viewer.role === 'admin', refetchInterval: 15_000 });
  if (viewer.role !== 'admin') {
    return (
      <>
        <PageTitle title="Admin" />
        <p>Only administrators can open this page.</p>
      </>
    );
  }
  return (
    <>
      <PageTitle title="Admin" />
      <section aria-labelledby="instance-title">
        <h2 id="instance-title">This instance's scheduler</h2>
        {stats.isLoading ? (
          <Loading label="Loading scheduler figures…" />
        ) : stats.error ? (
          <ErrorNotice title="Could not load scheduler figures" error={stats.error} onRetry={() => void stats.refetch()} />
        ) : (
          <dl className="metrics card">
            {Object.entries(stats.data ?? {}).map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd className="mono small">{figureText(value)}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
    </>
  );
}
