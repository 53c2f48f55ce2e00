import { BACKFILL_MAX_DAYS, backfillInput } from '@kpi/api/validators';
import { addDays } from '@kpi/cron';
import { type FormEvent, useEffect, useId, useState } from 'react';
import type { BackfillQueued, Run } from '../../lib/api-types.ts';
import { describeError } from '../../lib/errors.ts';
import { type Service, serviceLabel } from '../../lib/services.ts';
import { trpc } from '../../lib/trpc.ts';

const ACTIVE = new Set(['queued', 'running']);
const DEFAULT_DAYS = 30;

function runIdOf(jobId: unknown): number | null {
  const match = typeof jobId === 'string' ? /^job-(\d+)$/.exec(jobId) : null;
  return match ? Number(match[1]) : null;
}

type Props = {
  service: Service;
  /** Queues the backfill (`useBackfill().backfill`). */
  onBackfill: (range: { service: Service; from: string; to: string }) => Promise<BackfillQueued>;
  /** Cancels a backfill by run id (`useBackfill().cancel`). */
  onCancel: (id: number) => Promise<Run>;
  /** Called when the followed backfill has ended (succeeded, failed or cancelled); pass a stable function. */
  onEnded?: (run: Run) => void;
  /**
   * The newest day that can be complete, yesterday in the source's zone (`useLastCompleteDay`): the default
   * "To", with "From" 30 days back. The defaults follow it until the user picks a date.
   */
  lastDay: string;
};

/**
 * Backfills a range of past days for one source: a date range and a submit; while the backfill runs,
 * a progress bar of the days done of total and a cancel button. A backfill already active for the
 * source (the server's 409) is followed instead.
 */
export function BackfillForm({ service, onBackfill, onCancel, onEnded, lastDay }: Props) {
  const utils = trpc.useUtils();
  const ids = useId();
  // Null until the user picks a date; then both ends are theirs.
  const [picked, setPicked] = useState<{ from: string; to: string } | null>(null);
  const { from, to } = picked ?? { from: addDays(lastDay, 1 - DEFAULT_DAYS), to: lastDay };
  const [runId, setRunId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [queuing, setQueuing] = useState(false);
  const [cancelling, setCancelling] = useState(false);

  const run = trpc.runs.byId.useQuery(
    { id: runId ?? 0 },
    {
      enabled: runId !== null,
      refetchInterval: (query) => (query.state.data && !ACTIVE.has(query.state.data.status) ? false : 1000),
    },
  );
  const status = run.data?.status;
  const active = runId !== null && (status === undefined || ACTIVE.has(status));
  const progress = run.data?.progress ?? null;
  const ended = run.data && !ACTIVE.has(run.data.status) ? run.data : null;

  // The run's data keeps its identity while it is unchanged (React Query shares equal answers), so this
  // runs once per ending as long as `onEnded` is stable.
  useEffect(() => {
    if (ended) onEnded?.(ended);
  }, [ended, onEnded]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const checked = backfillInput.safeParse({ from, to });
    if (!checked.success) {
      setError(checked.error.issues[0]?.message ?? 'Check the dates');
      return;
    }
    setQueuing(true);
    try {
      const queued = await onBackfill({ service, ...checked.data });
      setRunId(runIdOf(queued.jobId));
    } catch (failure) {
      const info = describeError(failure);
      const existing = info.appCode === 'BACKFILL_RUNNING' ? runIdOf(info.details?.jobId) : null;
      if (existing !== null) setRunId(existing);
      setError(info.message);
    } finally {
      setQueuing(false);
    }
  }

  async function stop() {
    if (runId === null) return;
    setError(null);
    setCancelling(true);
    try {
      utils.runs.byId.setData({ id: runId }, await onCancel(runId));
    } catch (failure) {
      setError(describeError(failure).message);
    } finally {
      setCancelling(false);
    }
  }

  return (
    <form className="backfill-form" aria-labelledby={`${ids}-title`} onSubmit={(event) => void submit(event)} noValidate>
      <h3 id={`${ids}-title`}>Backfill {serviceLabel(service)}</h3>
      <p className="hint">Fetches past days again, up to {BACKFILL_MAX_DAYS} at a time, a month per request.</p>
      <div className="field-row">
        <label htmlFor={`${ids}-from`}>From</label>
        <input
          id={`${ids}-from`}
          type="date"
          value={from}
          max={to}
          onChange={(event) => setPicked({ from: event.target.value, to })}
        />
        <label htmlFor={`${ids}-to`}>To</label>
        <input
          id={`${ids}-to`}
          type="date"
          value={to}
          min={from}
          onChange={(event) => setPicked({ from, to: event.target.value })}
        />
        <button type="submit" disabled={queuing || active}>
          {queuing ? 'Queuing…' : 'Backfill'}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {runId !== null && (
        <div className="backfill-status" aria-live="polite">
          <span className={`badge badge-${status ?? 'queued'}`}>
            {status === 'failed' && run.data?.error_class === 'cancelled' ? 'cancelled' : (status ?? 'queued')}
          </span>
          {progress && (
            <>
              <progress
                aria-label={`${serviceLabel(service)} backfill progress`}
                value={progress.done}
                max={Math.max(progress.total, 1)}
              />
              <span>
                {progress.done} of {progress.total} days
              </span>
            </>
          )}
          {status === 'failed' && run.data?.error_class !== 'cancelled' && run.data?.error && (
            <span className="field-error"> {run.data.error}</span>
          )}
          {active && (
            <button type="button" className="button-secondary" onClick={() => void stop()} disabled={cancelling}>
              {cancelling ? 'Cancelling…' : 'Cancel backfill'}
            </button>
          )}
        </div>
      )}
    </form>
  );
}
