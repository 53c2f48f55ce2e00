import { RUN_STATUSES } from '@kpi/api/validators';
import type { RunStatus } from './api-types.ts';
import { SERVICES, type Service } from './services.ts';

/** The run history's filters as they stand in the URL (`/runs?service=meta&status=failed&before=120`). */
export type RunFilterState = { service: Service | ''; status: RunStatus | ''; before: number | undefined };

export function runFiltersOf(search: URLSearchParams): RunFilterState {
  const service = search.get('service') ?? '';
  const status = search.get('status') ?? '';
  const before = Number(search.get('before'));
  return {
    service: SERVICES.includes(service as Service) ? (service as Service) : '',
    status: (RUN_STATUSES as readonly string[]).includes(status) ? (status as RunStatus) : '',
    before: Number.isInteger(before) && before > 0 ? before : undefined,
  };
}

export function runFiltersSearch(filters: RunFilterState): URLSearchParams {
  const search = new URLSearchParams();
  if (filters.service) search.set('service', filters.service);
  if (filters.status) search.set('status', filters.status);
  if (filters.before) search.set('before', String(filters.before));
  return search;
}
