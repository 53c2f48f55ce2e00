// The batched paths of the worker: runs claimed into the local queue ahead of free slots, successes
// written together, leases renewed in one statement per instance. Each keeps the guarantee of the
// one-run-at-a-time path it replaced: a run is finished only by the worker that holds it, a run taken
// back is left to its new owner, and runs never started are handed back uncounted on shutdown.
import { queryRows, type Service, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.ts';
import type { SyncHandler } from '../src/handlers/types.ts';
import { FakeClock } from '../src/testing.ts';
import { insertSchedules, queueRuns } from './fixtures/seed.ts';
import { createUsers, runsOf, testScheduler } from './support.ts';

const SERVICES: Service[] = ['meta', 'ga4', 'shopify'];

function handlersOf(run: SyncHandler['run']): Map<Service, SyncHandler> {
  const handler: SyncHandler = { source: 'test', sample: true, run };
  return new Map(SERVICES.map((service) => [service, handler]));
}

async function takeOver(database: TestDatabase, runId: number): Promise<void> {
  // What a lease take-back followed by another worker's claim leaves behind.
  await withService(database.db, (tx) => tx.execute(sql`UPDATE job_runs SET locked_by = 'another-instance' WHERE id = ${runId}`));
}

async function until(condition: () => boolean, label: string): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`timed out waiting for ${label}`);
}

describe.each(BACKENDS)('batched claims, completions and renewals on %s', (backend) => {
  let database: TestDatabase;
  let users: number[];
  let batch = 0;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database, 10);
  });
  beforeEach(async () => {
    await withService(database.db, (tx) => tx.execute(sql`DELETE FROM job_runs`));
  });
  afterAll(() => database?.dispose());

  const pairs = (n: number) => users.flatMap((userId) => SERVICES.map((service) => ({ userId, service }))).slice(0, n);

  it('writes 30 successes finished together, each once, and leaves a run taken back to its new owner', async () => {
    const scheduledFor = new Date(Date.UTC(2024, 0, 1, 0, 0, ++batch));
    const ids = await queueRuns(database.db, pairs(30), scheduledFor);
    const stolen = ids[7] as number;
    const calls = new Map<number, number>();
    const scheduler = testScheduler(
      database,
      systemClock,
      handlersOf(async (context) => {
        calls.set(context.runId, (calls.get(context.runId) ?? 0) + 1);
        if (context.runId === stolen) await takeOver(database, stolen);
        return { ok: true };
      }),
      { concurrency: 30 },
    );
    await scheduler.start();
    await until(() => calls.size === 30, '30 handler calls');
    await scheduler.whenIdle();
    await scheduler.stop(1_000);
    const runs = await runsOf(database, sql`scheduled_for = ${scheduledFor}`);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(runs.filter((r) => r.status === 'succeeded').map((r) => r.id)).toEqual(ids.filter((id) => id !== stolen));
    const [row] = await withService(database.db, (tx) =>
      queryRows<{ status: string; locked_by: string | null }>(
        tx,
        sql`SELECT status, locked_by FROM job_runs WHERE id = ${stolen}`,
      ),
    );
    expect(row).toEqual({ status: 'running', locked_by: 'another-instance' });
    expect(scheduler.stats().runs.succeeded).toBe(29);
  });

  it('hands back the runs waiting in its local queue on shutdown, uncounted, with the running one', async () => {
    const scheduledFor = new Date(Date.UTC(2024, 0, 1, 0, 0, ++batch));
    const ids = await queueRuns(database.db, pairs(6), scheduledFor);
    let started = 0;
    const scheduler = testScheduler(
      database,
      systemClock,
      handlersOf(async (context) => {
        started++;
        // Runs past the grace period, so stop() must release it too.
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
        return {};
      }),
      { concurrency: 1, localQueueSize: 5 },
    );
    await scheduler.start();
    await until(() => started === 1, 'the first run to start');
    // One running, five claimed into the local queue: all six are leased to this instance.
    const held = await runsOf(database, sql`scheduled_for = ${scheduledFor} AND status = 'running'`);
    expect(held).toHaveLength(6);
    const outcome = await scheduler.stop(50);
    expect(outcome).toEqual({ finished: 0, released: 6 });
    expect(started).toBe(1);
    const runs = await runsOf(database, sql`scheduled_for = ${scheduledFor}`);
    expect(runs.map((r) => [r.id, r.status, r.attempt])).toEqual(ids.map((id) => [id, 'queued', 0]));
  });

  it('renews every held lease in one pass and stops only the handler whose run was taken back', async () => {
    const scheduledFor = new Date(Date.UTC(2024, 0, 1, 0, 0, ++batch));
    const [kept, stolen] = (await queueRuns(database.db, pairs(2), scheduledFor)) as [number, number];
    const clock = new FakeClock(new Date(Date.now() + 60_000));
    const aborted = new Map<number, string>();
    const release: Array<() => void> = [];
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async (context) => {
        await new Promise<void>((resolve) => {
          release.push(resolve);
          context.signal.addEventListener(
            'abort',
            () => {
              aborted.set(context.runId, (context.signal.reason as Error).message);
              resolve();
            },
            { once: true },
          );
        });
        return {};
      }),
      { concurrency: 2, leaseMs: 30_000 },
    );
    await scheduler.start();
    await until(() => release.length === 2, 'both runs to start');
    await takeOver(database, stolen);
    clock.advance(10_000); // a third of the lease: the renewal pass
    await until(() => aborted.size === 1, 'the lost run to be stopped');
    expect([...aborted]).toEqual([[stolen, 'lease lost to another worker']]);
    const [renewed] = await withService(database.db, (tx) =>
      queryRows<{ locked_until: Date }>(tx, sql`SELECT locked_until FROM job_runs WHERE id = ${kept}`),
    );
    expect(new Date(renewed?.locked_until as Date).getTime()).toBe(clock.now().getTime() + 30_000);
    for (const resolve of release) resolve();
    await scheduler.whenIdle();
    await scheduler.stop(1_000);
    const runs = await runsOf(database, sql`scheduled_for = ${scheduledFor}`);
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      [kept, 'succeeded'],
      [stolen, 'running'],
    ]);
  });
  it("stamps each claim batch of a burst with its own time: a later batch's fires are counted as late as they were", async () => {
    const fireAt = new Date('2024-03-01T09:00:00Z');
    const clock = new FakeClock(fireAt);
    await withService(database.db, (tx) => tx.execute(sql`DELETE FROM job_schedules`));
    const ids = await insertSchedules(
      database.db,
      pairs(4).map((pair) => ({ ...pair, cron: '0 9 1 3 *', enabled: true, nextRunAt: fireAt })),
    );
    let fired = 0;
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async () => ({ ok: true })),
      {
        claimBatchSize: 2,
        concurrency: 10,
        // The first batch's claim took a second (a slow database): the clock moves on before the next one.
        observer: { fired: () => ++fired === 2 && clock.advance(1_000) },
      },
    );
    try {
      await scheduler.start();
      await scheduler.whenIdle();
    } finally {
      await scheduler.stop(1_000);
    }
    const runs = await withService(database.db, (tx) =>
      queryRows<{ schedule_id: string; started_at: Date; status: string }>(
        tx,
        sql`SELECT schedule_id, started_at, status FROM job_runs WHERE scheduled_for = ${fireAt} ORDER BY started_at, schedule_id`,
      ),
    );
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(new Set(runs.map((run) => Number(run.schedule_id)))).toEqual(new Set(ids));
    expect(runs.map((run) => new Date(run.started_at).getTime() - fireAt.getTime())).toEqual([0, 0, 1_000, 1_000]);
    // The handlers of the second batch started a second late (started_at is the handler's start), and the
    // fire lag says so too: two fires claimed on time, two a second late (it said 0 for all four).
    expect(scheduler.stats().lagMs).toMatchObject({ samples: 4, max: 1_000 });
    await withService(database.db, (tx) => tx.execute(sql`DELETE FROM job_schedules`));
  });
});
