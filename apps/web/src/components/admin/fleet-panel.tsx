import type { Fleet } from '../../lib/api-types.ts';
import { formatDateTime, formatDuration } from '../../lib/time.ts';

function Figure({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** The fleet's figures: instances alive, queue, fire lag, runs by status, sources in trouble, budgets. */
export function FleetPanel({ fleet }: { fleet: Fleet }) {
  const runs = Object.entries(fleet.runs_24h);
  return (
    <div className="fleet">
      <dl className="metrics card">
        <Figure label="Instances alive" value={fleet.instances.length} />
        <Figure label="Queue depth" value={fleet.queue_depth} />
        <Figure label="Fire lag p50 (24 h)" value={formatDuration(fleet.fire_lag_ms.p50)} />
        <Figure label="Fire lag p99 (24 h)" value={formatDuration(fleet.fire_lag_ms.p99)} />
        <Figure label="Failing sources" value={fleet.failing_sources} />
        <Figure label="Paused sources" value={fleet.paused_sources} />
      </dl>
      <div className="schedule-grid">
        <section className="card" aria-labelledby="fleet-runs">
          <h3 id="fleet-runs">Runs in the last 24 h</h3>
          {runs.length === 0 ? (
            <p className="muted">No runs.</p>
          ) : (
            <ul className="plain-list">
              {runs.map(([status, count]) => (
                <li key={status}>
                  {status}: <strong>{count}</strong>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="fleet-budgets">
          <h3 id="fleet-budgets">Provider budgets in use</h3>
          {fleet.provider_budgets.length === 0 ? (
            <p className="muted">No budgets reported.</p>
          ) : (
            <ul className="plain-list">
              {fleet.provider_budgets.map((budget) => (
                <li key={budget.provider}>
                  {budget.provider}: <strong>{budget.in_use}</strong> of {budget.limit}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="fleet-instances">
          <h3 id="fleet-instances">Instances</h3>
          <ul className="plain-list">
            {fleet.instances.map((instance) => (
              <li key={instance.id}>
                <code>{instance.id}</code>
                <span className="block small muted">
                  up since {formatDateTime(instance.started_at)}, seen {formatDateTime(instance.last_seen_at)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
