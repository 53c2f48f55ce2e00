// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fleet } from '../../lib/api-types.ts';
import { FleetPanel } from './fleet-panel.tsx';

afterEach(cleanup);

const fleet: Fleet = {
  instances: [
    { id: 'host-a:101', started_at: '2026-11-02T08:00:00.000Z', last_seen_at: '2026-11-02T09:59:50.000Z' },
    { id: 'host-b:202', started_at: '2026-11-02T08:01:00.000Z', last_seen_at: '2026-11-02T09:59:55.000Z' },
  ],
  queue_depth: 4,
  fire_lag_ms: { p50: 120, p99: null },
  runs_24h: { queued: 0, running: 1, succeeded: 40, failed: 2, skipped: 0 },
  failing_sources: 1,
  paused_sources: 0,
  provider_budgets: [{ provider: 'meta', in_use: 3, limit: 8 }],
};

const figure = (label: string) => screen.getByText(label, { selector: 'dt' }).nextElementSibling?.textContent;

describe('FleetPanel', () => {
  it("shows the fleet's figures from admin.fleet's answer", () => {
    render(<FleetPanel fleet={fleet} />);
    expect(figure('Instances alive')).toBe('2');
    expect(figure('Queue depth')).toBe('4');
    expect(figure('Fire lag p50 (24 h)')).toBe('120 ms');
    expect(figure('Fire lag p99 (24 h)')).toBe('—');
    expect(figure('Failing sources')).toBe('1');
    const runs = screen.getByRole('region', { name: 'Runs in the last 24 h' });
    expect(
      within(runs)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['queued: 0', 'running: 1', 'succeeded: 40', 'failed: 2', 'skipped: 0']);
    expect(screen.getByRole('region', { name: 'Provider budgets in use' }).textContent).toContain('meta: 3 of 8');
    expect(screen.getByText('host-b:202')).toBeTruthy();
  });
});
