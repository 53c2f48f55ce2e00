import type { RunStats, Schedule } from '../../lib/api-types.ts';
import { formatDateTime, formatDuration, formatRelative } from '../../lib/time.ts';

type Props = { schedule: Schedule; stats: RunStats | undefined; now: Date };

function When({ iso, now }: { iso: string; now: Date }) {
  return (
    <>
      <time dateTime={iso}>{formatDateTime(iso)}</time> <span className="muted">({formatRelative(iso, now)})</span>
    </>
  );
}

/** What the server says about this schedule: its next and last fire, and how its runs went. */
export function ScheduleStatus({ schedule, stats, now }: Props) {
  const success = stats?.last_success_at ?? null;
  const failure = stats?.last_failure_at ?? null;
  const lastOutcome =
    success && (!failure || success >= failure)
      ? { label: 'Succeeded', at: success, tone: 'ok' }
      : failure
        ? { label: 'Failed', at: failure, tone: 'bad' }
        : null;
  return (
    <dl className="facts">
      <div>
        <dt>Next run</dt>
        <dd data-testid="next-run">
          {schedule.next_run_at ? (
            <When iso={schedule.next_run_at} now={now} />
          ) : schedule.enabled ? (
            'None'
          ) : (
            'Not scheduled (disabled)'
          )}
        </dd>
      </div>
      <div>
        <dt>Last scheduled run</dt>
        <dd>{schedule.last_run_at ? <When iso={schedule.last_run_at} now={now} /> : 'Never'}</dd>
      </div>
      <div>
        <dt>Last result</dt>
        <dd>
          {lastOutcome ? (
            <>
              <span className={`badge badge-${lastOutcome.tone}`}>{lastOutcome.label}</span>{' '}
              <When iso={lastOutcome.at} now={now} />
            </>
          ) : (
            'No runs yet'
          )}
          {stats && stats.runs_total > 0 && (
            <span className="muted">
              {' '}
              · {stats.runs_total} {stats.runs_total === 1 ? 'run' : 'runs'}
              {stats.success_rate !== null && `, ${percent(stats.success_rate)}% succeeded`}
              {stats.average_duration_ms !== null && `, ${formatDuration(stats.average_duration_ms)} on average`}
            </span>
          )}
        </dd>
      </div>
    </dl>
  );
}

// The rate is a fraction (0..1); tolerate a percentage too rather than show "9500%".
function percent(rate: number): number {
  return Math.round(rate <= 1 ? rate * 100 : rate);
}
