import { Link, useParams } from 'react-router';
import { PageTitle } from '../components/layout/page-title.tsx';
import { ErrorNotice, Loading } from '../components/layout/states.tsx';
import { RunDetail } from '../components/runs/run-detail.tsx';
import { describeError } from '../lib/errors.ts';
import { trpc } from '../lib/trpc.ts';
import { NotFoundPage } from './not-found-page.tsx';

const ACTIVE = new Set(['queued', 'running']);

/** One run (`/runs/:id`), polled while it is still queued or running. */
export function RunPage() {
  const param = useParams().id;
  const id = Number(param);
  const valid = Number.isInteger(id) && id > 0;
  const run = trpc.runs.byId.useQuery(
    { id },
    {
      enabled: valid,
      refetchInterval: (query) => (query.state.data && ACTIVE.has(query.state.data.status) ? 1500 : false),
    },
  );
  if (!valid || describeError(run.error).httpStatus === 404) return <NotFoundPage what={`Run ${param}`} />;
  return (
    <>
      <PageTitle title={run.data ? `Run ${run.data.jobId}` : 'Run'}>
        <Link to="/runs">All runs</Link>
      </PageTitle>
      {run.isLoading ? (
        <Loading label="Loading the run…" />
      ) : run.error || !run.data ? (
        <ErrorNotice title="Could not load the run" error={run.error} onRetry={() => void run.refetch()} />
      ) : (
        <RunDetail run={run.data} />
      )}
    </>
  );
}
