import type { RunStatus } from '../../lib/api-types.ts';
import { SERVICE_LABELS, SERVICES, type Service } from '../../lib/services.ts';

const STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'skipped'];

type Props = {
  service: Service | '';
  status: RunStatus | '';
  onChange: (next: { service?: Service | ''; status?: RunStatus | '' }) => void;
  onRefresh: () => void;
  refreshing: boolean;
};

export function RunFilters({ service, status, onChange, onRefresh, refreshing }: Props) {
  return (
    <div className="row filters">
      <label className="field">
        <span>Data source</span>
        <select value={service} onChange={(event) => onChange({ service: event.target.value as Service | '' })}>
          <option value="">All sources</option>
          {SERVICES.map((name) => (
            <option key={name} value={name}>
              {SERVICE_LABELS[name]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Status</span>
        <select value={status} onChange={(event) => onChange({ status: event.target.value as RunStatus | '' })}>
          <option value="">Any status</option>
          {STATUSES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="button-secondary" onClick={onRefresh} disabled={refreshing}>
        {refreshing ? 'Refreshing…' : 'Refresh'}
      </button>
    </div>
  );
}
