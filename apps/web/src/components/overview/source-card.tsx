import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Connection, RunStats, Schedule } from '../../lib/api-types.ts';
import { type Service, serviceLabel } from '../../lib/services.ts';
import { sourceState } from '../../lib/source-state.ts';
import { formatDateTime } from '../../lib/time.ts';
import { RelativeTime } from '../layout/relative-time.tsx';
import { StateBadge } from './state-badge.tsx';

type Props = {
  service: Service;
  schedule: Schedule | undefined;
  connection: Connection | undefined;
  stats: RunStats | undefined;
  /** The newest day stored for the source (YYYY-MM-DD), or null when none is. */
  dataThrough: string | null;
  now: Date;
  viewerTimeZone: string;
  /** The 30-day coverage strip, when the day history is available. */
  coverage?: ReactNode;
};

/** One source on the overview: its state, how fresh its data is, and when it runs next. */
export function SourceCard({ service, schedule, connection, stats, dataThrough, now, viewerTimeZone, coverage }: Props) {
  const label = serviceLabel(service);
  const state = sourceState({ schedule, connection, stats });
  const next = schedule?.next_run_at ?? null;
  const success = stats?.last_success_at ?? null;
  return (
    <article className={`card source-card source-${state.kind}`} aria-labelledby={`source-${service}`}>
      <header className="kpi-head">
        <h2 id={`source-${service}`} className="card-title">
          <Link to={`/sources/${service}`}>{label}</Link>
        </h2>
        <StateBadge state={state} />
      </header>
      <p className="small muted">{state.detail}</p>
      <dl className="facts">
        <div>
          <dt>Data through</dt>
          <dd>{dataThrough ?? 'No data yet'}</dd>
        </div>
        <div>
          <dt>Last success</dt>
          <dd>{success ? <RelativeTime iso={success} now={now} /> : 'Never'}</dd>
        </div>
        <div>
          <dt>Next run</dt>
          <dd data-testid={`next-run-${service}`}>
            {next && schedule ? (
              <>
                <RelativeTime iso={next} now={now} />
                <span className="block">{formatDateTime(next, schedule.timezone)} (schedule)</span>
                {viewerTimeZone !== schedule.timezone && (
                  <span className="block muted">{formatDateTime(next, viewerTimeZone)} (yours)</span>
                )}
              </>
            ) : schedule?.enabled === false ? (
              'Schedule off'
            ) : (
              'None'
            )}
          </dd>
        </div>
      </dl>
      {coverage}
    </article>
  );
}
