import { formatDateTime } from '../../lib/time.ts';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' && ISO_INSTANT.test(value)) return formatDateTime(value, undefined, true);
  return String(value);
}

function isGroup(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `scheduler.stats`: this instance's figures, a loose record. Plain values go in one grid; each nested
 * record (fires, runs, lag) becomes its own small list.
 */
export function InstanceStats({ stats }: { stats: Record<string, unknown> }) {
  const entries = Object.entries(stats);
  const plain = entries.filter(([, value]) => !isGroup(value));
  const groups = entries.filter((entry): entry is [string, Record<string, unknown>] => isGroup(entry[1]));
  return (
    <>
      <dl className="metrics card instance-stats">
        {plain.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{valueText(Array.isArray(value) ? value.join(', ') : value)}</dd>
          </div>
        ))}
      </dl>
      <div className="chart-grid">
        {groups.map(([name, group]) => (
          <section key={name} className="card" aria-labelledby={`stats-${name}`}>
            <h3 id={`stats-${name}`}>{name}</h3>
            <dl className="facts">
              {Object.entries(group).map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd>{valueText(isGroup(value) ? JSON.stringify(value) : value)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </>
  );
}
