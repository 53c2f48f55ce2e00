// Delivery under failure: kill -9 of the sending process between the commit and the delivery, two
// sending processes at once, and a receiver that is down for a while or for good.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql, withService } from '@kpi/db';
import { SyncError } from '@kpi/scheduler';
import { FakeClock } from '@kpi/scheduler/testing';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsers, insertSchedule, testScheduler, walk } from '../../scheduler/test/support.ts';
import { startWebhookReceiver } from './receivers.ts';
import { deliveriesOf, handlersOf, saveChannels, testDispatcher } from './support.ts';

const SECRET = 'whsec_guarantees';
const SCRIPT = fileURLToPath(new URL('./fixtures/dispatcher-process.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const children: ChildProcess[] = [];

async function startDispatcherProcess(database: TestDatabase, workerId: string, leaseMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: database.url as string, WORKER_ID: workerId, LEASE_MS: String(leaseMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${workerId} did not start`)), 30_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.includes('"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One failing run of the user's meta schedule, to its final failure: commits one run.failed. */
async function failOnce(database: TestDatabase, userId: number, day: string): Promise<void> {
  const clock = new FakeClock(`${day}T07:59:00Z`);
  await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
  const scheduler = testScheduler(
    database,
    clock,
    handlersOf(async () => {
      throw new SyncError('Meta is down', { retryable: false, errorClass: 'Transient' });
    }),
    { instanceId: `runner-${userId}` },
  );
  await scheduler.start();
  await walk(clock, scheduler, new Date(`${day}T08:30:00Z`));
  await scheduler.stop(1_000);
  await withService(database.db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false WHERE user_id = ${userId}`));
}

describe.each(BACKENDS.filter((backend) => backend === 'postgres'))('notification delivery across processes on %s', (backend) => {
  let database: TestDatabase;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    hooks = await startWebhookReceiver(() => SECRET);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await hooks?.close();
    await database?.dispose();
  });

  it('kill -9 of the sender while it delivers: delivered once by the next process', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    hooks.status.code = 0;
    const first = await startDispatcherProcess(database, 'doomed', 2_000);
    await failOnce(database, userId, '2026-09-01');
    await waitUntil(() => hooks.status.held === 1, 'the first process to send');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(hooks.hooks).toHaveLength(0);
    hooks.status.code = 200;
    const second = await startDispatcherProcess(database, 'heir', 2_000);
    await waitUntil(() => hooks.hooks.length === 1, 'the second process to deliver');
    // Give it time to send a duplicate, if it were going to.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    second.kill('SIGTERM');
    expect(hooks.hooks).toHaveLength(1);
    expect(hooks.hooks[0]).toMatchObject({ verified: true, json: { type: 'run.failed', user_id: userId } });
    const [delivery] = await deliveriesOf(database, userId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('two sending processes deliver each of 60 events once', async () => {
    const users = await createUsers(database, 60);
    const before = hooks.hooks.length;
    for (const userId of users) await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    const a = await startDispatcherProcess(database, 'left', 60_000);
    const b = await startDispatcherProcess(database, 'right', 60_000);
    await withService(database.db, (tx) =>
      tx.execute(sql`SELECT kpi_record_notification(id, 'meta', 'run.failed', '{"message":"Meta is down"}'::jsonb, now())
        FROM users WHERE id IN (SELECT value::int FROM jsonb_array_elements_text(${JSON.stringify(users)}::jsonb))`),
    );
    await waitUntil(() => hooks.hooks.length - before >= 60, 'sixty deliveries');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    const ids = hooks.hooks.slice(before).map((h) => h.headers['x-kpi-event-id']);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(hooks.hooks.slice(before).every((h) => h.verified)).toBe(true);
  });
});

describe.each(BACKENDS)('a receiver that is down on %s', (backend) => {
  let database: TestDatabase;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    hooks = await startWebhookReceiver(() => SECRET);
  });
  afterAll(async () => {
    await hooks?.close();
    await database?.dispose();
  });

  it('is retried with growing waits while down, then delivered once', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    await failOnce(database, userId, '2026-10-01');
    const clock = new FakeClock('2026-10-01T08:30:00Z');
    const dispatcher = testDispatcher(database, clock);
    hooks.status.code = 503;
    await dispatcher.runOnce();
    // Not due again before 30 s, then not before another 60 s.
    clock.advance(29_000);
    expect(await dispatcher.runOnce()).toBe(0);
    clock.advance(1_000);
    expect(await dispatcher.runOnce()).toBe(1);
    clock.advance(59_000);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(hooks.status.refused).toBe(2);
    hooks.status.code = 200;
    clock.advance(1_000);
    expect(await dispatcher.runOnce()).toBe(1);
    clock.advance(3_600_000);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(hooks.hooks).toHaveLength(1);
    expect(hooks.hooks[0]?.verified).toBe(true);
    const [delivery] = await deliveriesOf(database, userId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('is given up after 24 hours and shown as failed', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    await saveChannels(database, userId, { webhookUrl: hooks.url, secret: SECRET });
    await failOnce(database, userId, '2026-10-05');
    const clock = new FakeClock('2026-10-05T08:30:00Z');
    const dispatcher = testDispatcher(database, clock);
    hooks.status.code = 500;
    for (let minutes = 0; minutes <= 25 * 60; minutes += 10) {
      await dispatcher.runOnce();
      clock.advance(600_000);
    }
    const [delivery] = await deliveriesOf(database, userId);
    expect(delivery?.status).toBe('failed');
    expect(delivery?.last_error).toMatch(/^gave up after \d+ attempts over 24 h: the webhook answered HTTP 500/);
    // Doubling from 30 s to an hour between attempts: 8 to reach the hour, then one an hour.
    expect(delivery?.attempts).toBeGreaterThan(20);
    expect(delivery?.attempts).toBeLessThan(35);
  });

  it('with WEBHOOK_ALLOW_PRIVATE a host name is resolved and called at the address checked', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    await saveChannels(database, userId, { webhookUrl: hooks.url.replace('127.0.0.1', 'localhost'), secret: SECRET });
    hooks.status.code = 200;
    const before = hooks.hooks.length;
    await failOnce(database, userId, '2026-10-07');
    await testDispatcher(database, new FakeClock('2026-10-07T08:30:00Z')).runOnce();
    expect(hooks.hooks.slice(before).map((h) => [h.json.type, h.headers.host, h.verified])).toEqual([
      ['run.failed', `localhost:${new URL(hooks.url).port}`, true],
    ]);
  });

  it('checks the address at delivery time: a saved URL now pointing inward is refused without a request', async () => {
    const [userId] = (await createUsers(database, 1)) as [number];
    const clock = new FakeClock('2026-10-09T08:30:00Z');
    const dispatcher = testDispatcher(database, clock, { allowPrivate: false });
    const port = new URL(hooks.url).port;
    const refusedBefore = hooks.status.refused + hooks.hooks.length;
    for (const webhookUrl of [
      `https://127.0.0.1:${port}/hook`,
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      `https://localhost:${port}/hook`,
      `http://127.0.0.1:${port}/hook`,
    ]) {
      await saveChannels(database, userId, { webhookUrl, secret: SECRET });
      await withService(database.db, (tx) =>
        tx.execute(
          sql`SELECT kpi_record_notification(${userId}, 'meta', 'run.failed', '{"message":"x"}'::jsonb, ${clock.now()})`,
        ),
      );
      await dispatcher.runOnce();
      clock.advance(2 * 3_600_000);
    }
    const deliveries = await deliveriesOf(database, userId);
    expect(deliveries.map((d) => d.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    expect(deliveries.slice(0, 4).every((d) => /private, loopback or link-local/.test(d.last_error ?? ''))).toBe(true);
    expect(deliveries[4]?.last_error).toBe('webhook_url must start with https://');
    expect(hooks.status.refused + hooks.hooks.length).toBe(refusedBefore);
  });
});
