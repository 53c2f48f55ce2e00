import { useState } from 'react';
import type { RunRequested } from '../../lib/api-types.ts';
import { describeError } from '../../lib/errors.ts';
import { formatDuration } from '../../lib/time.ts';
import { trpc } from '../../lib/trpc.ts';

const ACTIVE = new Set(['queued', 'running']);

type Tracked = { runId: number; jobId: string; conflict: boolean };

function runIdOf(jobId: unknown): number | null {
  const match = typeof jobId === 'string' ? /^job-(\d+)$/.exec(jobId) : null;
  return match ? Number(match[1]) : null;
}

/** Queues a manual run, then follows that job (or, on a conflict, the job already active) to its outcome. */
export function RunNow({ onRun }: { onRun: () => Promise<RunRequested> }) {
  const utils = trpc.useUtils();
  const [tracked, setTracked] = useState<Tracked | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  const run = trpc.runs.byId.useQuery(
    { id: tracked?.runId ?? 0 },
    {
      enabled: tracked !== null,
      refetchInterval: (query) => (query.state.data && !ACTIVE.has(query.state.data.status) ? false : 1000),
    },
  );
  const status = run.data?.status;
  const active = tracked !== null && (status === undefined || ACTIVE.has(status));

  const [finished, setFinished] = useState<number | null>(null);
  if (tracked && status && !ACTIVE.has(status) && finished !== tracked.runId) {
    setFinished(tracked.runId);
    // The outcome changes history, statistics, KPIs, the schedule's last result and, when a credential
    // was rejected, the connection's status.
    void Promise.all([
      utils.connections.list.invalidate(),
      utils.sheets.get.invalidate(),
      utils.runs.list.invalidate(),
      utils.runs.stats.invalidate(),
      utils.kpis.latest.invalidate(),
      utils.schedules.list.invalidate(),
    ]);
  }

  async function start() {
    setStarting(true);
    setError(null);
    try {
      const requested = await onRun();
      setTracked({ runId: requested.runId, jobId: requested.jobId, conflict: false });
    } catch (failure) {
      const info = describeError(failure);
      const runId = info.appCode === 'RUN_ALREADY_ACTIVE' ? runIdOf(info.details?.jobId) : null;
      if (runId !== null) setTracked({ runId, jobId: String(info.details?.jobId), conflict: true });
      setError(info.message);
    } finally {
      setStarting(false);
    }
  }

  return (
    <>
      <button type="button" className="button-secondary" onClick={() => void start()} disabled={starting || active}>
        {starting ? 'Starting…' : 'Run now'}
      </button>
      <output className="run-now-status" aria-live="polite">
        {error && <span className="field-error">{error}</span>}
        {tracked && (
          <span>
            {' '}
            {tracked.conflict ? 'Active job' : 'Job'} <code>{tracked.jobId}</code>:{' '}
            <span className={`badge badge-${status ?? 'queued'}`}>{status ?? 'queued'}</span>
            {run.data?.status === 'succeeded' && ` in ${formatDuration(run.data.duration_ms)}`}
            {run.data?.status === 'failed' && run.data.error && ` — ${run.data.error}`}
          </span>
        )}
      </output>
    </>
  );
}
