import { findDstChanges } from '../../lib/next-runs.ts';
import { formatDateTime } from '../../lib/time.ts';

type Props = { runs: Date[]; timeZone: string; viewerTimeZone: string; now: Date; withSeconds?: boolean };

/** The next fires in the schedule's zone and, when it differs, in the viewer's; with a note where clocks change. */
export function NextRuns({ runs, timeZone, viewerTimeZone, now, withSeconds = false }: Props) {
  if (runs.length === 0) return null;
  const showViewer = viewerTimeZone !== timeZone;
  const changes = findDstChanges(runs, showViewer ? [timeZone, viewerTimeZone] : [timeZone], now);
  return (
    <div className="next-runs">
      <h4>Next {runs.length} runs</h4>
      <ol>
        {runs.map((run) => (
          <li key={run.toISOString()}>
            <time dateTime={run.toISOString()}>{formatDateTime(run, timeZone, withSeconds)}</time>
            {showViewer && <span className="muted"> · your time {formatDateTime(run, viewerTimeZone, withSeconds)}</span>}
          </li>
        ))}
      </ol>
      {changes.map((change) => (
        <p key={`${change.timeZone}-${change.afterRun}`} className="note" role="note">
          Clocks change in {change.timeZone} {change.afterRun === 0 ? 'before the first run' : `after run ${change.afterRun}`} (
          {change.from} → {change.to}): local run times shift accordingly.
        </p>
      ))}
    </div>
  );
}
