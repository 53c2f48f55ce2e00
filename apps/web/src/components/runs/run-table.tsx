import type { Run } from '../../lib/api-types.ts';
import { serviceLabel } from '../../lib/services.ts';
import { formatDateTime, formatDuration } from '../../lib/time.ts';

function When({ iso }: { iso: string | null }) {
  return iso ? <time dateTime={iso}>{formatDateTime(iso)}</time> : <span className="muted">—</span>;
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
                <code>{run.jobId}</code>
              </td>
              <td data-label="Source">{serviceLabel(run.service)}</td>
              <td data-label="Trigger">{run.trigger}</td>
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
                <span className={`badge badge-${run.status}`}>{run.status}</span>
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
