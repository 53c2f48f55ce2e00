// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrpcFixture } from '../../../test/trpc-fixture.tsx';
import { RunNow } from './run-now.tsx';

afterEach(cleanup);

function runJson(id: number, status: string, extra: Record<string, unknown> = {}) {
  return { id, jobId: `job-${id}`, service: 'meta', status, duration_ms: null, error: null, ...extra };
}

/** runs.byId answers each status in turn, then keeps answering the last. */
function statuses(id: number, sequence: Array<Record<string, unknown>>) {
  let call = 0;
  return vi.fn(() => sequence[Math.min(call++, sequence.length - 1)] ?? runJson(id, 'queued'));
}

describe('RunNow', () => {
  it('shows the queued job, then follows it to its outcome', async () => {
    const byId = statuses(5, [runJson(5, 'queued'), runJson(5, 'succeeded', { duration_ms: 120 })]);
    const onRun = vi.fn(async () => ({ jobId: 'job-5', runId: 5, service: 'meta' as const, userId: 1, message: 'queued' }));
    render(
      <TrpcFixture fixtures={{ 'runs.byId': byId }}>
        <RunNow onRun={onRun} />
      </TrpcFixture>,
    );
    const button = screen.getByRole('button', { name: 'Run now' });
    await userEvent.setup().click(button);
    expect(onRun).toHaveBeenCalledTimes(1);
    expect((await screen.findByText('job-5')).tagName).toBe('CODE');
    expect(await screen.findByText('queued')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Run now' }) as HTMLButtonElement).disabled).toBe(true);
    expect(await screen.findByText('succeeded', {}, { timeout: 4000 })).toBeTruthy();
    expect(screen.getByText(/in 120 ms/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Run now' }) as HTMLButtonElement).disabled).toBe(false);
    expect(byId).toHaveBeenCalledWith({ id: 5 });
  });

  it('on a conflict, says so and shows the job that is already active', async () => {
    const byId = statuses(7, [runJson(7, 'running')]);
    const onRun = vi.fn(async () => {
      throw {
        message: 'A meta sync job is already running',
        data: { appCode: 'RUN_ALREADY_ACTIVE', httpStatus: 409, details: { jobId: 'job-7', status: 'running' } },
      };
    });
    render(
      <TrpcFixture fixtures={{ 'runs.byId': byId }}>
        <RunNow onRun={onRun} />
      </TrpcFixture>,
    );
    await userEvent.setup().click(screen.getByRole('button', { name: 'Run now' }));
    expect(await screen.findByText('A meta sync job is already running')).toBeTruthy();
    expect(screen.getByText(/Active job/)).toBeTruthy();
    expect(screen.getByText('job-7')).toBeTruthy();
    expect(await screen.findByText('running')).toBeTruthy();
    expect(byId).toHaveBeenCalledWith({ id: 7 });
  });
});
