// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrpcFixture } from '../../../test/trpc-fixture.tsx';
import type { Run } from '../../lib/api-types.ts';
import { BackfillForm } from './backfill-form.tsx';

afterEach(cleanup);

// Yesterday in the source's zone, as the source page passes it (useLastCompleteDay).
const LAST_DAY = '2026-03-14';

function backfillRun(id: number, status: string, done: number, total: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    jobId: `job-${id}`,
    service: 'meta',
    trigger: 'backfill',
    status,
    error: null,
    error_class: null,
    progress: { done, total },
    range: { from: '2025-03-15', to: '2026-03-14' },
    ...extra,
  };
}

/** Answers each value in turn, then keeps answering the last. */
function sequence(values: Array<Record<string, unknown>>) {
  let call = 0;
  return vi.fn(() => values[Math.min(call++, values.length - 1)]);
}

const setDate = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('BackfillForm', () => {
  it('queues the chosen range, then shows a progress bar of days done of total until it finishes', async () => {
    const backfill = vi.fn(async (range: { service: 'meta' | 'ga4' | 'shopify'; from: string; to: string }) => ({
      ...range,
      jobId: 'job-9',
      userId: 1,
      days: 365,
    }));
    const byId = sequence([backfillRun(9, 'running', 31, 365), backfillRun(9, 'succeeded', 365, 365)]);
    const onEnded = vi.fn();
    render(
      <TrpcFixture fixtures={{ 'runs.byId': byId }}>
        <BackfillForm service="meta" onBackfill={backfill} onCancel={vi.fn()} onEnded={onEnded} lastDay={LAST_DAY} />
      </TrpcFixture>,
    );
    // The default range: the 30 days ending at the source's yesterday.
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe('2026-02-13');
    expect((screen.getByLabelText('To') as HTMLInputElement).value).toBe('2026-03-14');
    setDate('From', '2025-03-15');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Backfill' }));
    expect(backfill).toHaveBeenCalledWith({ service: 'meta', from: '2025-03-15', to: '2026-03-14' });
    const bar = (await screen.findByRole('progressbar', { name: 'Meta Ads backfill progress' })) as HTMLProgressElement;
    expect(bar.value).toBe(31);
    expect(bar.max).toBe(365);
    expect(screen.getByText('31 of 365 days')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Backfill' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('button', { name: 'Cancel backfill' })).toBeTruthy();
    expect(onEnded).not.toHaveBeenCalled();
    expect(await screen.findByText('365 of 365 days', {}, { timeout: 4000 })).toBeTruthy();
    // Told once that the run ended, so the page can refresh what the backfill stored.
    expect(onEnded).toHaveBeenCalledTimes(1);
    expect(onEnded).toHaveBeenCalledWith(expect.objectContaining({ id: 9, status: 'succeeded' }));
    expect(screen.getByText('succeeded')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel backfill' })).toBeNull();
    expect((screen.getByRole('button', { name: 'Backfill' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("follows the source's yesterday until a date is picked, then keeps the user's range", async () => {
    const form = (lastDay: string) => (
      <TrpcFixture fixtures={{}}>
        <BackfillForm service="meta" onBackfill={vi.fn()} onCancel={vi.fn()} lastDay={lastDay} />
      </TrpcFixture>
    );
    const value = (label: string) => (screen.getByLabelText(label) as HTMLInputElement).value;
    // The browser's own yesterday at first, then the source's zone, a day ahead, once the lists load.
    const { rerender } = render(form('2026-03-13'));
    expect([value('From'), value('To')]).toEqual(['2026-02-12', '2026-03-13']);
    rerender(form('2026-03-14'));
    expect([value('From'), value('To')]).toEqual(['2026-02-13', '2026-03-14']);
    setDate('To', '2026-03-01');
    rerender(form('2026-03-15'));
    expect([value('From'), value('To')]).toEqual(['2026-02-13', '2026-03-01']);
  });

  it('says what is wrong with a reversed range before asking the server', async () => {
    const backfill = vi.fn();
    render(
      <TrpcFixture fixtures={{}}>
        <BackfillForm service="ga4" onBackfill={backfill} onCancel={vi.fn()} lastDay={LAST_DAY} />
      </TrpcFixture>,
    );
    setDate('From', '2026-03-10');
    setDate('To', '2026-03-01');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Backfill' }));
    expect((await screen.findByRole('alert')).textContent).toBe('to (2026-03-01) is before from (2026-03-10)');
    expect(backfill).not.toHaveBeenCalled();
  });

  it("shows the server's refusal in its own words", async () => {
    const backfill = vi.fn(async () => {
      throw {
        message: 'to (2026-03-15) is not over yet: the last day a backfill can fetch is the day before 2026-03-15',
        data: { appCode: 'VALIDATION_ERROR', httpStatus: 400, details: { field: 'to' } },
      };
    });
    render(
      <TrpcFixture fixtures={{}}>
        <BackfillForm service="shopify" onBackfill={backfill} onCancel={vi.fn()} lastDay={LAST_DAY} />
      </TrpcFixture>,
    );
    setDate('To', '2026-03-15');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Backfill' }));
    expect((await screen.findByRole('alert')).textContent).toContain('is not over yet');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('follows the backfill already running (409) and cancels it', async () => {
    const backfill = vi.fn(async () => {
      throw {
        message: 'A meta backfill is already running',
        data: { appCode: 'BACKFILL_RUNNING', httpStatus: 409, details: { jobId: 'job-4', status: 'running' } },
      };
    });
    const byId = sequence([backfillRun(4, 'running', 62, 365)]);
    const cancel = vi.fn(
      async () =>
        backfillRun(4, 'failed', 62, 365, { error_class: 'cancelled', error: 'cancelled by the user' }) as unknown as Run,
    );
    render(
      <TrpcFixture fixtures={{ 'runs.byId': byId }}>
        <BackfillForm service="meta" onBackfill={backfill} onCancel={cancel} lastDay={LAST_DAY} />
      </TrpcFixture>,
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Backfill' }));
    expect((await screen.findByRole('alert')).textContent).toBe('A meta backfill is already running');
    expect(await screen.findByText('62 of 365 days')).toBeTruthy();
    expect(byId).toHaveBeenCalledWith({ id: 4 });
    await user.click(screen.getByRole('button', { name: 'Cancel backfill' }));
    expect(cancel).toHaveBeenCalledWith(4);
    expect(await screen.findByText('cancelled')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel backfill' })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
