// Backfill runs in the engine, on an injected clock: a year worked in 31-day chunks with a checkpoint
// each, a daily fire of the same source running on time while the backfill is in progress, users'
// backfills taking turns, and a cancel stopping the chunk in flight.
import type { Service } from '@kpi/db';
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SyncContext, SyncHandler } from '../src/handlers/types.ts';
import type { EnhancedScheduler } from '../src/scheduler.ts';
import { FakeClock } from '../src/testing.ts';
import { backfillOf, queueBackfills } from './fixtures/seed.ts';
import { createUsers, insertSchedule, runsOf, testScheduler, walk } from './support.ts';

type Call = { runId: number; userId: number; service: Service; trigger: string; range: SyncContext['range'] };

/** Runs of one (user, service) in flight at once, most seen: a chunk must never overlap another run of its source. */
const overlap = { now: new Map<string, number>(), most: 0 };

function recording(calls: Call[], before?: (context: SyncContext) => Promise<void>): Map<Service, SyncHandler> {
  const handler: SyncHandler = {
    source: 'test',
    sample: true,
    async run(context) {
      calls.push({
        runId: context.runId,
        userId: context.userId,
        service: context.service,
        trigger: context.trigger,
        range: context.range,
      });
      const key = `${context.userId}:${context.service}`;
      overlap.now.set(key, (overlap.now.get(key) ?? 0) + 1);
      overlap.most = Math.max(overlap.most, overlap.now.get(key) ?? 0);
      try {
        // A turn of the event loop, so that a run started beside this one would be seen here.
        await new Promise((resolve) => setImmediate(resolve));
        await before?.(context);
      } finally {
        overlap.now.set(key, (overlap.now.get(key) ?? 1) - 1);
      }
      return { fetched: context.range ?? null };
    },
  };
  return new Map((['meta', 'ga4', 'shopify'] as const).map((service) => [service, handler]));
}

/** Lets the engine work (its pumps run on setImmediate) until `done` holds. */
async function settle(scheduler: EnhancedScheduler, done: () => Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 3000; turn++) {
    await scheduler.whenIdle();
    if (await done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the engine did not get there in 3000 turns');
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each(BACKENDS)('backfill runs on %s (injected clock)', (backend) => {
  let database: TestDatabase;
  let users: number[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database, 8);
  });
  beforeEach(async () => {
    await withService(database.db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false`));
  });
  afterAll(() => database?.dispose());

  it('works 365 days in 12 chunks of at most 31 days, committing the checkpoint and progress after each', async () => {
    const userId = users[0] as number;
    const clock = new FakeClock('2026-01-10T12:00:00Z');
    const calls: Call[] = [];
    const progress: Array<[number, number, string | null]> = [];
    const db = database.db;
    const [id] = await queueBackfills(db, [{ userId, service: 'meta', from: '2025-01-01', to: '2025-12-31' }], clock.now());
    const scheduler = testScheduler(
      database,
      clock,
      recording(calls, async () => {
        // What the row says while a chunk runs: the chunks before it are committed.
        const row = await backfillOf(db, id as number);
        progress.push([row.progress_done, row.progress_total, row.checkpoint]);
      }),
    );
    await scheduler.start();
    scheduler.runQueued();
    await settle(scheduler, async () => (await backfillOf(db, id as number)).status === 'succeeded');
    await scheduler.stop(1_000);

    expect(calls).toHaveLength(12);
    expect(calls.every((call) => call.trigger === 'backfill' && call.runId === id)).toBe(true);
    expect(calls.map((call) => call.range)).toEqual([
      { from: '2025-01-01', to: '2025-01-31' },
      { from: '2025-02-01', to: '2025-03-03' },
      { from: '2025-03-04', to: '2025-04-03' },
      { from: '2025-04-04', to: '2025-05-04' },
      { from: '2025-05-05', to: '2025-06-04' },
      { from: '2025-06-05', to: '2025-07-05' },
      { from: '2025-07-06', to: '2025-08-05' },
      { from: '2025-08-06', to: '2025-09-05' },
      { from: '2025-09-06', to: '2025-10-06' },
      { from: '2025-10-07', to: '2025-11-06' },
      { from: '2025-11-07', to: '2025-12-07' },
      { from: '2025-12-08', to: '2025-12-31' },
    ]);
    expect(progress.slice(0, 3)).toEqual([
      [0, 365, null],
      [31, 365, '2025-01-31'],
      [62, 365, '2025-03-03'],
    ]);
    expect(progress[11]).toEqual([341, 365, '2025-12-07']);
    const row = await backfillOf(db, id as number);
    expect(row).toMatchObject({ status: 'succeeded', progress_done: 365, progress_total: 365, checkpoint: '2025-12-31' });
    expect(row.result).toMatchObject({ chunks: 12, last_chunk: { fetched: { from: '2025-12-08', to: '2025-12-31' } } });
    expect(scheduler.stats()).toMatchObject({ backfill: { chunks: 12, days: 365, completed: 1 } });
  });

  it('runs a daily fire of the same source on time while a backfill is in progress, between two chunks', async () => {
    const userId = users[1] as number;
    const clock = new FakeClock('2026-03-01T07:59:00Z');
    const db = database.db;
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    const gaScheduleId = await insertSchedule(database, {
      userId,
      service: 'ga4',
      cron: '0 8 * * *',
      timezone: 'UTC',
      from: clock.now(),
    });
    const [id] = await queueBackfills(db, [{ userId, service: 'meta', from: '2025-03-01', to: '2026-02-28' }], clock.now());
    const calls: Call[] = [];
    const secondChunk = gate();
    const chunkStarted = gate();
    const scheduler = testScheduler(
      database,
      clock,
      recording(calls, async (context) => {
        if (context.trigger !== 'backfill') return;
        const chunks = calls.filter((call) => call.trigger === 'backfill').length;
        if (chunks === 2) {
          chunkStarted.open();
          await secondChunk.opened;
        }
      }),
    );
    await scheduler.start();
    scheduler.runQueued();
    await chunkStarted.opened;
    // 08:00 with the backfill's second chunk in flight: the meta fire is queued (not skipped) and waits
    // for that chunk only; the ga4 fire starts at once.
    clock.set(new Date('2026-03-01T08:00:00Z'));
    await scheduler.tick();
    const [metaFire] = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(metaFire).toMatchObject({ trigger: 'cron', status: 'queued', scheduled_for: '2026-03-01T08:00:00.000Z' });
    secondChunk.open();
    await settle(scheduler, async () => (await backfillOf(db, id as number)).status === 'succeeded');
    await walk(clock, scheduler, new Date('2026-03-01T08:00:00Z'));
    await scheduler.stop(1_000);

    const order = calls.map((call) =>
      call.trigger === 'backfill' ? `chunk:${call.range?.from}` : `${call.trigger}:${call.service}`,
    );
    // The fire ran right after the chunk that was running at 08:00, before the backfill's next chunk.
    expect(order.slice(0, 4)).toEqual(['chunk:2025-03-01', 'chunk:2025-04-01', 'cron:ga4', 'cron:meta']);
    expect(order.filter((entry) => entry.startsWith('chunk:'))).toHaveLength(12);
    expect(overlap.most).toBe(1);
    const [meta] = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    const [ga4] = await runsOf(database, sql`schedule_id = ${gaScheduleId}`);
    expect(meta).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(ga4).toMatchObject({ status: 'succeeded', attempt: 1 });
    const started = await withService(db, (tx) =>
      queryRows<{ started_at: Date | string }>(
        tx,
        sql`SELECT started_at FROM job_runs WHERE schedule_id IN (${scheduleId}, ${gaScheduleId})`,
      ),
    );
    expect(started).toHaveLength(2);
    for (const row of started) {
      expect(new Date(row.started_at).toISOString()).toBe('2026-03-01T08:00:00.000Z');
    }
  });

  it('lets a fire run while a backfill of its source waits between chunks, and never skips it', async () => {
    const userId = users[2] as number;
    const clock = new FakeClock('2026-03-01T07:59:00Z');
    const db = database.db;
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    // Queued for later: it is active (so the old one-run-per-source rule would have skipped the fire) but not due.
    const [id] = await queueBackfills(db, [{ userId, service: 'meta', from: '2026-01-01', to: '2026-01-31' }], clock.now());
    await withService(db, (tx) => tx.execute(sql`UPDATE job_runs SET run_after = '2026-03-01T09:00:00Z' WHERE id = ${id}`));
    const calls: Call[] = [];
    const scheduler = testScheduler(database, clock, recording(calls));
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-03-01T08:30:00Z'));
    const [fire] = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(fire).toMatchObject({ status: 'succeeded', trigger: 'cron' });
    await walk(clock, scheduler, new Date('2026-03-01T09:00:00Z'));
    scheduler.runQueued();
    await settle(scheduler, async () => (await backfillOf(db, id as number)).status === 'succeeded');
    await scheduler.stop(1_000);
    expect(calls.map((call) => call.trigger)).toEqual(['cron', 'backfill']);
  });

  it("takes turns between users' backfills: one chunk each, round robin, whatever order they came in", async () => {
    const [a, b, c] = users.slice(3, 6) as [number, number, number];
    const clock = new FakeClock('2026-02-01T12:00:00Z');
    const db = database.db;
    // User a asked first, for two sources; b and c for one each, 93 days (3 chunks) every time.
    const range = { from: '2025-10-01', to: '2026-01-01' };
    await queueBackfills(
      db,
      [
        { userId: a, service: 'meta', ...range },
        { userId: a, service: 'ga4', ...range },
        { userId: b, service: 'meta', ...range },
        { userId: c, service: 'shopify', ...range },
      ],
      clock.now(),
    );
    const calls: Call[] = [];
    const scheduler = testScheduler(database, clock, recording(calls), { concurrency: 1 });
    await scheduler.start();
    scheduler.runQueued();
    await settle(scheduler, async () => calls.length === 12 && scheduler.stats().backfill.completed === 4);
    await scheduler.stop(1_000);
    const byUser = calls.map((call) => (call.userId === a ? 'a' : call.userId === b ? 'b' : 'c'));
    // Every round gives each user one chunk before anyone gets a second: a's two sources share a's turn.
    expect(byUser.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(byUser.slice(3, 6).sort()).toEqual(['a', 'b', 'c']);
    expect(byUser.filter((user) => user === 'b')).toHaveLength(3);
    expect(byUser.filter((user) => user === 'a')).toHaveLength(6);
    // b and c are done within the first four rounds; a's second source does not hold them back.
    const lastOfB = byUser.lastIndexOf('b');
    const lastOfC = byUser.lastIndexOf('c');
    expect(Math.max(lastOfB, lastOfC)).toBeLessThan(byUser.length - 2);
  });

  it('stops the chunk in flight when its backfill is cancelled, and takes no further chunk', async () => {
    const userId = users[6] as number;
    const clock = new FakeClock('2026-02-01T12:00:00Z');
    const db = database.db;
    const [id] = await queueBackfills(db, [{ userId, service: 'meta', from: '2025-01-01', to: '2025-12-31' }], clock.now());
    const calls: Call[] = [];
    const inFlight = gate();
    let aborted = false;
    const scheduler = testScheduler(
      database,
      clock,
      recording(calls, async (context) => {
        if (calls.length < 3) return;
        inFlight.open();
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = true;
        throw context.signal.reason;
      }),
    );
    await scheduler.start();
    scheduler.runQueued();
    await inFlight.opened;
    // What runs.cancel writes (as the tenant, in the API), then its in-process notice to the engine.
    await withService(db, (tx) =>
      tx.execute(sql`UPDATE job_runs SET status = 'failed', error_class = 'cancelled', error = 'cancelled by the user',
                       finished_at = now(), locked_by = NULL, locked_until = NULL WHERE id = ${id}`),
    );
    scheduler.runCancelled(id as number);
    await settle(scheduler, async () => aborted);
    scheduler.runQueued();
    await scheduler.whenIdle();
    await scheduler.stop(1_000);
    expect(calls).toHaveLength(3);
    expect(await backfillOf(db, id as number)).toMatchObject({
      status: 'failed',
      error_class: 'cancelled',
      progress_done: 62,
      checkpoint: '2025-03-03',
    });
  });
});
