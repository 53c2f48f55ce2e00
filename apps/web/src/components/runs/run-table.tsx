import { Link } from 'react-router';
import type { Run } from '../../lib/api-types.ts';
import { runRange } from '../../lib/run-facts.ts';
import { serviceLabel } from '../../lib/services.ts';
import { formatDateTime, formatDuration } from '../../lib/time.ts';
import { RunStatusBadge } from './run-status-badge.tsx';

function When({ iso }: { iso: string | null }) {
  return iso ? <time dateTime={iso}>{formatDateTime(iso)}</time> : <span className="muted">—</span>;
}

function rangeText(run: Run): string {
  const range = runRange(run);
  return range ? `days ${range.from} to ${range.to}` : '';
}

/** A table on wide screens; each row becomes a labelled block on narrow ones (see .runs-table in the CSS). */
export function RunTable({ runs }: { runs: Run[] }) {
  return (
    <div className="table-wrap">
      <table className="runs-table">
        <caption className="visually-hidden">Sync runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Source</th>
            <th scope="col">Trigger</th>
            <th scope="col">Scheduled for</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Attempt</th>
            <th scope="col">Status</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-job={run.jobId}>
              <td data-label="Job">
                <Link to={`/runs/${run.id}`}>
                  <code>{run.jobId}</code>
                </Link>
              </td>
              <td data-label="Source">{serviceLabel(run.service)}</td>
              <td data-label="Trigger">
                {run.trigger}
                {runRange(run) && <span className="block small muted">{rangeText(run)}</span>}
              </td>
              <td data-label="Scheduled for">
                <When iso={run.scheduled_for} />
              </td>
              <td data-label="Started">
                <When iso={run.started_at} />
              </td>
              <td data-label="Duration">{formatDuration(run.duration_ms)}</td>
              <td data-label="Attempt">
                {run.attempt} of {run.max_attempts}
              </td>
              <td data-label="Status">
                <RunStatusBadge status={run.status} />
              </td>
              <td data-label="Error" className="error-cell">
                {run.error ? <span title={run.error_class ?? undefined}>{run.error}</span> : <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
