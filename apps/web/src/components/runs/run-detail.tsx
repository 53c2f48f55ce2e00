import { Link } from 'react-router';
import type { Run } from '../../lib/api-types.ts';
import { runDaysChanged, runLagMs, runProgress, runRange, runReason } from '../../lib/run-facts.ts';
import { serviceLabel } from '../../lib/services.ts';
import { formatDateTime, formatDuration } from '../../lib/time.ts';
import { RunStatusBadge } from './run-status-badge.tsx';
import { RunTimeline } from './run-timeline.tsx';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Everything one run's JSON says: why it ran, when, how long, which days, and how its attempts went. */
export function RunDetail({ run }: { run: Run }) {
  const range = runRange(run);
  const daysChanged = runDaysChanged(run);
  const progress = runProgress(run);
  return (
    <div className="run-detail">
      <div className="card">
        <dl className="facts">
          <Fact label="Status">
            <RunStatusBadge status={run.status} />
          </Fact>
          <Fact label="Source">
            <Link to={`/sources/${run.service}`}>{serviceLabel(run.service)}</Link>
          </Fact>
          <Fact label="Why it ran">{runReason(run)}</Fact>
          <Fact label="Due at">
            <time dateTime={run.scheduled_for}>{formatDateTime(run.scheduled_for, undefined, true)}</time>
          </Fact>
          <Fact label="Lag">{formatDuration(runLagMs(run))}</Fact>
          <Fact label="Duration">{formatDuration(run.duration_ms)}</Fact>
          <Fact label="Days fetched">{range ? `${range.from} to ${range.to}` : '—'}</Fact>
          <Fact label="Days changed">{daysChanged ?? '—'}</Fact>
          <Fact label="Attempt">
            {run.attempt} of {run.max_attempts}
          </Fact>
        </dl>
        {progress && (
          <div className="progress-row">
            <label htmlFor={`progress-${run.id}`}>Backfill progress</label>
            <progress id={`progress-${run.id}`} max={progress.total} value={progress.done}>
              {progress.done} of {progress.total} days
            </progress>
            <span className="small">
              {progress.done} of {progress.total} days
            </span>
          </div>
        )}
      </div>
      <h2>Timeline</h2>
      <RunTimeline run={run} />
    </div>
  );
}
