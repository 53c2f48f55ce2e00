import { describe, expect, it } from 'vitest';
import { runFiltersOf, runFiltersSearch } from './run-filters.ts';

describe('run filters in the URL', () => {
  it('round-trips service, status and page cursor', () => {
    const filters = runFiltersOf(new URLSearchParams('service=ga4&status=failed&before=120'));
    expect(filters).toEqual({ service: 'ga4', status: 'failed', before: 120 });
    expect(runFiltersSearch(filters).toString()).toBe('service=ga4&status=failed&before=120');
  });

  it('drops values a hand-edited or stale URL may carry instead of sending them to the server', () => {
    expect(runFiltersOf(new URLSearchParams('service=tiktok&status=exploded&before=-3'))).toEqual({
      service: '',
      status: '',
      before: undefined,
    });
    expect(runFiltersSearch({ service: '', status: '', before: undefined }).toString()).toBe('');
  });
});
