// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../../lib/api-types.ts';
import { RunDetail } from './run-detail.tsx';

afterEach(cleanup);

const inRouter = (node: ReactNode) => render(<MemoryRouter>{node}</MemoryRouter>);

function run(extra: Record<string, unknown>): Run {
  return {
    id: 41,
    jobId: 'job-41',
    service: 'meta',
    trigger: 'cron',
    scheduled_for: '2026-11-02T02:00:00.000Z',
    status: 'succeeded',
    attempt: 1,
    max_attempts: 3,
    run_after: '2026-11-02T02:00:00.000Z',
    started_at: '2026-11-02T02:00:01.500Z',
    finished_at: '2026-11-02T02:00:03.000Z',
    duration_ms: 1500,
    error: null,
    error_class: null,
    result: null,
    created_at: '2026-11-02T02:00:00.000Z',
    ...extra,
  } as Run;
}

const fact = (label: string) => screen.getByText(label, { selector: 'dt' }).nextElementSibling?.textContent;

describe('RunDetail', () => {
  it('says why a run ran, its lag and duration, and reads range and days changed when the server sends them', () => {
    inRouter(<RunDetail run={run({ range: { from: '2026-10-26', to: '2026-11-01' }, days_changed: 2 })} />);
    expect(fact('Why it ran')).toBe('Scheduled: the cron fired');
    expect(screen.getByRole('link', { name: 'Meta Ads' }).getAttribute('href')).toBe('/sources/meta');
    expect(fact('Lag')).toBe('1.5 s');
    expect(fact('Duration')).toBe('1.5 s');
    expect(fact('Days fetched')).toBe('2026-10-26 to 2026-11-01');
    expect(fact('Days changed')).toBe('2');
    expect(screen.getByText('Succeeded in 1.5 s')).toBeTruthy();
  });

  it('shows a dash for fields an older server leaves out, and ignores malformed ones', () => {
    inRouter(<RunDetail run={run({ range: { from: 'yesterday' }, days_changed: '3' })} />);
    expect(fact('Days fetched')).toBe('—');
    expect(fact('Days changed')).toBe('—');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('lays out a retried failure attempt by attempt, with the final error, and a backfill with its progress', () => {
    inRouter(
      <RunDetail
        run={run({
          trigger: 'backfill',
          status: 'failed',
          attempt: 3,
          error: 'Meta answered 500',
          error_class: 'http_5xx',
          progress: { done: 20, total: 90 },
        })}
      />,
    );
    expect(fact('Why it ran')).toBe('Backfill: a date range asked for by the user (20 of 90 days done)');
    const steps = [...document.querySelectorAll('.timeline-step strong')].map((step) => step.textContent);
    expect(steps).toEqual([
      'Queued',
      'Attempt 1 failed; retried',
      'Attempt 2 failed; retried',
      'Attempt 3 started',
      'Failed (http_5xx)',
    ]);
    expect(screen.getByText('Meta answered 500')).toBeTruthy();
    const progress = screen.getByRole('progressbar', { name: 'Backfill progress' }) as HTMLProgressElement;
    expect([progress.value, progress.max]).toEqual([20, 90]);
  });

  it('a run waiting for its retry shows the error of the attempt that failed', () => {
    inRouter(<RunDetail run={run({ status: 'queued', attempt: 1, started_at: null, finished_at: null, error: 'timeout' })} />);
    const steps = [...document.querySelectorAll('.timeline-step strong')].map((step) => step.textContent);
    expect(steps).toEqual(['Queued', 'Attempt 1 failed; retried', 'Waiting to start']);
    expect(screen.getByText('timeout')).toBeTruthy();
    expect(fact('Lag')).toBe('—');
  });
});
