import { InstanceStats } from '../components/admin/instance-stats.tsx';
import { PageTitle } from '../components/layout/page-title.tsx';
import { ErrorNotice, Loading } from '../components/layout/states.tsx';
import { useViewer } from '../hooks/use-viewer.ts';
import { trpc } from '../lib/trpc.ts';

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
          <InstanceStats stats={stats.data ?? {}} />
        )}
      </section>
    </>
  );
}
