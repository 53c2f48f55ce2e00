import { sql, withService } from '@kpi/db';
import { SyncError } from '@kpi/scheduler';
import { FakeClock } from '@kpi/scheduler/testing';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createUsers, insertSchedule, testScheduler, walk } from '../../scheduler/test/support.ts';
import { startSmtpReceiver, startWebhookReceiver } from './receivers.ts';
import { deliveriesOf, eventsOf, handlersOf, saveChannels, scheduleOf, testDispatcher } from './support.ts';

const SECRET = 'whsec_test-secret';

describe.each(BACKENDS)('events from real runs to received messages on %s', (backend) => {
  let database: TestDatabase;
  let users: number[];
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database, 4);
    smtp = await startSmtpReceiver();
    hooks = await startWebhookReceiver(() => SECRET);
  });
  // Each test's scheduler sees only its own user's schedule.
  beforeEach(async () => {
    await withService(database.db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false`));
  });
  afterAll(async () => {
    await smtp?.close();
    await hooks?.close();
    await database?.dispose();
  });

  it('five failed days send five run.failed, pause the schedule once with one schedule.paused, and a success after resuming sends run.recovered', async () => {
    const userId = users[0] as number;
    await saveChannels(database, userId, { email: 'owner@example.test', webhookUrl: hooks.url, secret: SECRET });
    const clock = new FakeClock('2026-06-01T07:59:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    let failing = true;
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async () => {
        if (failing) throw new SyncError('Meta answered 500 three times', { retryable: false, errorClass: 'Transient' });
        return { rows: 1 };
      }),
      { pauseAfterFailures: 5 },
    );
    const dispatcher = testDispatcher(database, clock, { smtpUrl: smtp.url });
    await scheduler.start();
    for (let day = 1; day <= 7; day++) {
      await walk(clock, scheduler, new Date(`2026-06-0${day}T09:00:00Z`));
      await dispatcher.runOnce();
    }
    const events = await eventsOf(database, userId);
    expect(events.map((e) => e.type)).toEqual([
      'run.failed',
      'run.failed',
      'run.failed',
      'run.failed',
      'run.failed',
      'schedule.paused',
    ]);
    const schedule = await scheduleOf(database, scheduleId);
    expect(schedule).toMatchObject({ enabled: false, paused_for: 'failures', failure_streak: 5 });
    expect(schedule?.paused_reason).toContain('5 failed runs in a row');
    // One message per event, each signed; the last two left in one pass, in either order.
    expect(hooks.hooks.map((h) => h.headers['x-kpi-event-id']).sort()).toEqual(events.map((e) => e.id).sort());
    expect(hooks.hooks.every((h) => h.verified)).toBe(true);
    const paused = hooks.hooks.find((h) => h.json.type === 'schedule.paused')?.json as {
      schedule: { paused_reason: string };
      run: { url: string };
    };
    expect(paused.schedule.paused_reason).toContain('5 failed runs in a row');
    expect(paused.run.url).toMatch(/^https:\/\/kpi\.example\.test\/runs\/\d+$/);
    expect(smtp.mails).toHaveLength(6);
    expect(smtp.mails[0]?.to).toEqual(['owner@example.test']);
    expect(smtp.mails[0]?.raw).toContain('Meta answered 500 three times');
    expect(smtp.mails[0]?.raw).toContain('Content-Type: text/html');
    expect(smtp.mails[0]?.raw).toContain('Failing since: 2026-06-01T08:00:00.000Z');

    // Enabling it again (as the API does) clears the pause; the next success ends the streak.
    failing = false;
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_schedules SET enabled = true, paused_reason = NULL, paused_at = NULL, paused_for = NULL,
        next_run_at = '2026-06-08T08:00:00Z', updated_at = now() WHERE id = ${scheduleId}`),
    );
    scheduler.scheduleChanged(scheduleId);
    await walk(clock, scheduler, new Date('2026-06-08T09:00:00Z'));
    await dispatcher.runOnce();
    await scheduler.stop(1_000);
    const after = await eventsOf(database, userId);
    expect(after.map((e) => e.type).slice(6)).toEqual(['run.recovered']);
    expect(String(after[6]?.payload.message)).toContain('succeeded again after 5 failed runs');
    expect(hooks.hooks.at(-1)?.json).toMatchObject({ type: 'run.recovered', user_id: userId, service: 'meta' });
    expect(hooks.hooks.at(-1)?.verified).toBe(true);
    expect((await scheduleOf(database, scheduleId))?.failure_streak).toBe(0);
  });

  it('a refused credential pauses at once, spends no retries, and sends connection.needs_reauth', async () => {
    const userId = users[1] as number;
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    const clock = new FakeClock('2026-07-01T07:59:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    const attempts: number[] = [];
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async (context) => {
        attempts.push(context.attempt);
        // Retryable as far as the handler knows: the kind alone stops the retries.
        throw new SyncError('the access token was revoked', { retryable: true, errorClass: 'AuthExpired', kind: 'needs_reauth' });
      }),
      { maxAttempts: 3, retryDelayMs: 60_000 },
    );
    const dispatcher = testDispatcher(database, clock);
    const before = hooks.hooks.length;
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-07-03T09:00:00Z'));
    await dispatcher.runOnce();
    await scheduler.stop(1_000);
    expect(attempts).toEqual([1]);
    const schedule = await scheduleOf(database, scheduleId);
    expect(schedule).toMatchObject({ enabled: false, paused_for: 'needs_reauth' });
    expect(schedule?.paused_reason).toContain('Reconnect Meta Ads');
    expect((await eventsOf(database, userId)).map((e) => e.type)).toEqual(['connection.needs_reauth']);
    const received = hooks.hooks.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      verified: true,
      json: { type: 'connection.needs_reauth', connection: { status: 'needs_reauth' } },
    });
  });

  it('a backfill failing for good sends run.failed but does not count toward the schedule pausing', async () => {
    const userId = users[3] as number;
    const clock = new FakeClock('2026-08-01T07:59:00Z');
    // Its schedule does not fire in the test's hour: only the backfill runs.
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 1 1 *', timezone: 'UTC', from: clock.now() });
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_schedules SET pause_after_failures = 1 WHERE id = ${scheduleId}`),
    );
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, max_attempts, run_after,
                                          range_from, range_to, progress_done, progress_total)
                     VALUES (${userId}, 'meta', 'backfill', ${clock.now()}, 'queued', 1, ${clock.now()},
                             '2026-07-01', '2026-07-03', 0, 3)`),
    );
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async (context) => {
        if (context.trigger === 'backfill')
          throw new SyncError('Meta answered 500', { retryable: false, errorClass: 'Transient' });
        return { rows: 1 };
      }),
    );
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-08-01T09:00:00Z'));
    await scheduler.stop(1_000);
    expect((await eventsOf(database, userId)).map((e) => e.type)).toEqual(['run.failed']);
    // With one failure allowed, a counted failure would have paused the schedule.
    expect(await scheduleOf(database, scheduleId)).toMatchObject({ enabled: true, paused_for: null, failure_streak: 0 });
  });

  it('throttles one source and event type to one message an hour and counts the rest into the next', async () => {
    const userId = users[2] as number;
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    const clock = new FakeClock('2026-08-01T07:59:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '*/10 * * * *', timezone: 'UTC', from: clock.now() });
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_schedules SET pause_after_failures = 0 WHERE id = ${scheduleId}`),
    );
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async () => {
        throw new SyncError('quota exhausted for today', { retryable: false, errorClass: 'RateLimited' });
      }),
    );
    const dispatcher = testDispatcher(database, clock);
    const before = hooks.hooks.length;
    await scheduler.start();
    // Fires at 08:00, 08:10 ... 08:50: six failures in the first hour.
    for (const at of ['08:05', '08:15', '08:25', '08:35', '08:45', '08:55', '09:01']) {
      await walk(clock, scheduler, new Date(`2026-08-01T${at}:00Z`));
      await dispatcher.runOnce();
    }
    await scheduler.stop(1_000);
    const received = hooks.hooks.slice(before);
    expect(received.map((h) => h.json.type)).toEqual(['run.failed', 'run.failed']);
    // 09:00 failed too: the 08:10 message carries 08:20 ... 09:00, five more.
    expect(String(received[1]?.json.message)).toContain('5 more like this since');
    const deliveries = await deliveriesOf(database, userId);
    expect(deliveries.filter((d) => d.status === 'delivered')).toHaveLength(2);
    expect(deliveries.filter((d) => d.status === 'folded')).toHaveLength(5);
    expect((await scheduleOf(database, scheduleId))?.enabled).toBe(true);
  });

  it('Slack mode posts { text } with the source, what happened and the link', async () => {
    const userId = users[3] as number;
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET, slack: true });
    const clock = new FakeClock('2026-09-01T07:59:00Z');
    await insertSchedule(database, { userId, service: 'shopify', cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async () => {
        throw new SyncError('Shopify answered 401', { retryable: false, errorClass: 'AuthExpired', kind: 'needs_reauth' });
      }),
    );
    const before = hooks.hooks.length;
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-09-01T09:00:00Z'));
    await scheduler.stop(1_000);
    await testDispatcher(database, clock).runOnce();
    const [hook] = hooks.hooks.slice(before);
    expect(Object.keys(hook?.json ?? {})).toEqual(['text']);
    expect(hook?.json.text).toMatch(
      /^\*Shopify: needs reconnecting\*\. Shopify refused the saved credential: Shopify answered 401\./,
    );
    expect(hook?.json.text).toMatch(/<https:\/\/kpi\.example\.test\/runs\/\d+\|Open>$/);
    expect(hook?.verified).toBe(true);
  });

  it('a last attempt lost with its lease fails for good with run.failed, in the take-back transaction', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    const clock = new FakeClock('2026-09-10T08:00:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, schedule_id, service, trigger, scheduled_for, status, attempt, max_attempts,
          locked_by, locked_until, started_at)
        VALUES (${userId}, ${scheduleId}, 'meta', 'cron', '2026-09-10T07:00:00Z', 'running', 3, 3, 'dead-instance',
          '2026-09-10T07:30:00Z', '2026-09-10T07:00:00Z')`),
    );
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async () => ({ rows: 1 })),
      { leaseSweepIntervalMs: 1_000 },
    );
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-09-10T08:00:02Z'));
    // The sweep at start is not part of the engine's idle state: wait for its transaction.
    await vi.waitFor(async () => expect((await eventsOf(database, userId)).map((e) => e.type)).toEqual(['run.failed']), {
      timeout: 5_000,
    });
    await scheduler.stop(1_000);
    const events = await eventsOf(database, userId);
    expect(String(events[0]?.payload.message)).toContain('lease expired');
    expect((await scheduleOf(database, scheduleId))?.failure_streak).toBeGreaterThanOrEqual(1);
  });

  it('queues messages only for the event types the user chose, on the channels they set', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    await saveChannels(database, userId, { email: 'picky@example.test' });
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE notification_settings SET events = ARRAY['run.recovered'] WHERE user_id = ${userId}`),
    );
    for (const type of ['run.failed', 'run.recovered']) {
      await withService(database.db, (tx) =>
        tx.execute(sql`SELECT kpi_record_notification(${userId}, 'ga4', ${type}, '{"message":"x"}'::jsonb, now())`),
      );
    }
    expect((await eventsOf(database, userId)).map((e) => e.type)).toEqual(['run.failed', 'run.recovered']);
    expect((await deliveriesOf(database, userId)).map((d) => [d.type, d.channel])).toEqual([['run.recovered', 'email']]);
  });

  it('a Sheet that refuses its credential pauses the source at once, saying to reconnect the Sheet', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    const clock = new FakeClock('2026-09-20T07:59:00Z');
    const scheduleId = await insertSchedule(database, {
      userId,
      service: 'ga4',
      cron: '0 8 * * *',
      timezone: 'UTC',
      from: clock.now(),
    });
    const scheduler = testScheduler(
      database,
      clock,
      handlersOf(async () => {
        throw new SyncError('Google refused the refresh token', {
          retryable: false,
          errorClass: 'AuthExpired',
          kind: 'destination_needs_reauth',
        });
      }),
    );
    const before = hooks.hooks.length;
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-09-20T09:00:00Z'));
    await scheduler.stop(1_000);
    await testDispatcher(database, clock).runOnce();
    const schedule = await scheduleOf(database, scheduleId);
    expect(schedule).toMatchObject({ enabled: false, paused_for: 'destination_reauth' });
    expect(schedule?.paused_reason).toContain('Reconnect the Google Sheet to resume the Google Analytics 4 sync');
    expect(
      hooks.hooks
        .slice(before)
        .map((h) => h.json)
        .filter((json) => json.user_id === userId),
    ).toMatchObject([
      { type: 'connection.needs_reauth', service: 'ga4', connection: { target: 'sheets', status: 'needs_reauth' } },
    ]);
  });
});
