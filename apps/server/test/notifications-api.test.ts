import type { ApiDeps } from '@kpi/api';
import { connectorRegistry, connectorsPort, SecretBox } from '@kpi/connectors';
import { queryRows, sql, withService } from '@kpi/db';
import { createMailer, NotificationDispatcher } from '@kpi/notifications';
import { EnhancedScheduler, systemClock } from '@kpi/scheduler';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, fakeSettings, startFakes } from '../../../packages/connectors/test/support.ts';
import { startSmtpReceiver, startWebhookReceiver } from '../../../packages/notifications/test/receivers.ts';
import { notificationsPort, openWebhookSecret } from '../src/notifications.ts';
import { buildTestApp, createTestUser, silentLog, type TestUser, testDeps } from './support.ts';

const TOKEN = 'EAAG-notify-first-token-1234';
const NEW_TOKEN = 'EAAG-notify-second-token-5678';

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(BACKENDS)('notifications API, auto-pause and reconnect on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let strict: FastifyInstance;
  let scheduler: EnhancedScheduler;
  let dispatcher: NotificationDispatcher;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let secret = '';
  const box = SecretBox.fromBase64(Buffer.alloc(32, 9).toString('base64'));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.meta.tokens.add(TOKEN);
    smtp = await startSmtpReceiver();
    hooks = await startWebhookReceiver(() => secret);
    const channels = {
      mailer: createMailer({ smtpUrl: smtp.url, from: 'KPI Sync <kpi@example.test>' }),
      publicUrl: 'https://kpi.example.test',
      webhook: { allowPrivate: true, timeoutMs: 2_000 },
      now: () => new Date(),
    };
    const settings = fakeSettings(fakes);
    scheduler = new EnhancedScheduler({
      db: database.db,
      clock: systemClock,
      log: silentLog,
      handlers: connectorRegistry({ settings, box }),
      pollIntervalMs: 100,
    });
    const deps: ApiDeps = {
      ...testDeps(database),
      connectors: connectorsPort({ settings, box }),
      notifications: notificationsPort({ box, channels, allowPrivate: true }),
    };
    app = await buildTestApp(database, { deps, engine: scheduler });
    // The production policy: only public https hosts.
    strict = await buildTestApp(database, {
      deps: { ...testDeps(database), notifications: notificationsPort({ box, channels, allowPrivate: false }) },
    });
    await scheduler.start();
    dispatcher = new NotificationDispatcher({
      db: database.db,
      log: silentLog,
      workerId: 'api-test',
      channels,
      openWebhookSecret: (userId, sealed) => openWebhookSecret(box, userId, sealed),
    });
  });
  afterAll(async () => {
    await scheduler?.stop(1_000);
    await app?.close();
    await strict?.close();
    await fakes?.close();
    await smtp?.close();
    await hooks?.close();
    await database?.dispose();
  });

  const put = (target: FastifyInstance, user: TestUser, payload: unknown) =>
    target.inject({ method: 'PUT', url: '/api/notifications', headers: user.auth, payload: payload as object });

  it('saves channels, answers a new webhook secret once, keeps it sealed, and a test reaches both channels', async () => {
    const user = await createTestUser(database, 'notify');
    const initial = await app.inject({ method: 'GET', url: '/api/notifications', headers: user.auth });
    expect(initial.json()).toEqual({
      success: true,
      data: {
        email: null,
        webhook_url: null,
        slack: false,
        events: ['run.failed', 'schedule.paused', 'connection.needs_reauth', 'run.recovered'],
      },
    });
    const saved = await put(app, user, { email: 'me@example.test', webhook_url: hooks.url, events: ['run.failed'] });
    expect(saved.statusCode).toBe(200);
    secret = saved.json().data.webhook_secret;
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    // Saving again without a new URL makes no new secret and shows none.
    const again = await put(app, user, { slack: false });
    expect(again.json().data).toEqual({ email: 'me@example.test', webhook_url: hooks.url, slack: false, events: ['run.failed'] });
    const [stored] = await withService(database.db, (tx) =>
      queryRows<{ webhook_secret: string }>(tx, sql`SELECT webhook_secret FROM notification_settings WHERE user_id = ${user.id}`),
    );
    expect(stored?.webhook_secret).toMatch(/^v1\./);
    expect(stored?.webhook_secret).not.toContain(secret);

    const before = { mails: smtp.mails.length, hooks: hooks.hooks.length };
    const tested = await app.inject({ method: 'POST', url: '/api/notifications/test', headers: user.auth });
    expect(tested.json()).toEqual({
      success: true,
      data: { email: { status: 'sent', error: null }, webhook: { status: 'sent', error: null } },
    });
    expect(smtp.mails.slice(before.mails).map((m) => m.to)).toEqual([['me@example.test']]);
    const [hook] = hooks.hooks.slice(before.hooks);
    expect(hook).toMatchObject({ verified: true, json: { type: 'test', user_id: user.id } });
    // A second test at once is refused: the button cannot be used to flood an address.
    const twice = await app.inject({ method: 'POST', url: '/api/notifications/test', headers: user.auth });
    expect(twice.statusCode).toBe(429);
    expect(twice.json().error.code).toBe('RATE_LIMITED');
    expect(smtp.mails.length - before.mails).toBe(1);
  });

  it('refuses webhooks to loopback, private, metadata and non-https targets, and bad input, with a 400', async () => {
    const user = await createTestUser(database, 'ssrf');
    for (const webhook_url of [
      'https://127.0.0.1/hook',
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'http://example.com/hook',
    ]) {
      const answer = await put(strict, user, { webhook_url });
      expect(answer.statusCode, webhook_url).toBe(400);
      expect(answer.json().error.code).toBe('VALIDATION_ERROR');
      expect(answer.json().error.details).toEqual({ field: 'webhook_url' });
    }
    for (const body of [
      { email: 'not-an-address' },
      { webhook_url: `https://example.com/${'x'.repeat(3000)}` },
      { events: ['run.exploded'] },
      { events: ['run.failed', 'run.failed'] },
      { user_id: 1 },
    ]) {
      expect((await put(app, user, body)).statusCode, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
  });

  it("another user's deliveries are invisible", async () => {
    const owner = await createTestUser(database, 'owner');
    const other = await createTestUser(database, 'other');
    await put(app, owner, { email: 'owner@example.test' });
    await withService(database.db, (tx) =>
      tx.execute(sql`SELECT kpi_record_notification(${owner.id}, 'meta', 'run.failed', '{"message":"x"}'::jsonb, now())`),
    );
    const mine = await app.inject({ method: 'GET', url: '/api/notifications/deliveries', headers: owner.auth });
    expect(mine.json().data).toHaveLength(1);
    expect(mine.json().data[0]).toMatchObject({ event_type: 'run.failed', channel: 'email', status: 'pending', service: 'meta' });
    const theirs = await app.inject({ method: 'GET', url: '/api/notifications/deliveries', headers: other.auth });
    expect(theirs.json()).toEqual({ success: true, data: [] });
    const bad = await app.inject({ method: 'GET', url: '/api/notifications/deliveries?limit=100000', headers: owner.auth });
    expect(bad.statusCode).toBe(400);
  });

  it('a revoked token pauses the schedule at once with connection.needs_reauth; a new token resumes it', async () => {
    const user = await createTestUser(database, 'reauth');
    const saved = await put(app, user, { webhook_url: hooks.url });
    secret = saved.json().data.webhook_secret;
    await app.inject({
      method: 'PUT',
      url: '/api/schedules/meta',
      headers: user.auth,
      payload: { cron: '0 2 * * *', enabled: true, pause_after_failures: 3 },
    });
    const connect = (token: string) =>
      app.inject({
        method: 'PUT',
        url: '/api/connections/meta',
        headers: user.auth,
        payload: { account_id: 'act_4242', credential: { kind: 'access_token', access_token: token } },
      });
    expect((await connect(TOKEN)).statusCode).toBe(200);
    fakes.meta.tokens.delete(TOKEN);
    const runStatus = async (id: number) =>
      (await app.inject({ method: 'GET', url: `/api/runs/${id}`, headers: user.auth })).json().data;
    const queued = await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: user.auth });
    const runId = Number(queued.json().data.jobId.slice(4));
    await waitFor(async () => (await runStatus(runId)).status === 'failed', 'the run to fail');
    expect((await runStatus(runId)).attempt).toBe(1);
    const meta = async () =>
      (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth }))
        .json()
        .data.find((s: { service: string }) => s.service === 'meta');
    const paused = await meta();
    expect(paused).toMatchObject({ enabled: false, next_run_at: null, pause_after_failures: 3 });
    expect(paused.paused_reason).toContain('Reconnect Meta Ads');
    expect(paused.paused_at).not.toBeNull();

    const before = hooks.hooks.length;
    await dispatcher.runOnce();
    const [hook] = hooks.hooks.slice(before);
    expect(hook).toMatchObject({
      verified: true,
      json: { type: 'connection.needs_reauth', user_id: user.id, service: 'meta', connection: { status: 'needs_reauth' } },
    });

    fakes.meta.tokens.add(NEW_TOKEN);
    expect((await connect(NEW_TOKEN)).statusCode).toBe(200);
    const resumed = await meta();
    expect(resumed).toMatchObject({ enabled: true, paused_reason: null, paused_at: null });
    expect(resumed.next_run_at).not.toBeNull();
    const next = await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: user.auth });
    const nextId = Number(next.json().data.jobId.slice(4));
    await waitFor(async () => (await runStatus(nextId)).status === 'succeeded', 'the run to succeed');
    await dispatcher.runOnce();
    expect(hooks.hooks.slice(before).map((h) => h.json.type)).toEqual(['connection.needs_reauth', 'run.recovered']);
  });

  it('saving a new Sheet credential resumes the schedules the Sheet paused, and only those', async () => {
    const user = await createTestUser(database, 'sheet');
    for (const service of ['meta', 'ga4', 'shopify'])
      await app.inject({ method: 'PUT', url: `/api/schedules/${service}`, headers: user.auth, payload: { enabled: true } });
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_schedules SET enabled = false, paused_at = now(),
          paused_reason = CASE service WHEN 'shopify' THEN 'Paused after 5 failed runs in a row' ELSE 'The Google Sheet refused the saved credential' END,
          paused_for = CASE service WHEN 'shopify' THEN 'failures' ELSE 'destination_reauth' END
        WHERE user_id = ${user.id}`),
    );
    const saved = await app.inject({
      method: 'PUT',
      url: '/api/sheets',
      headers: user.auth,
      payload: {
        spreadsheet_id: '1NotifySheetIdAbcdef',
        credential: { kind: 'oauth_refresh', refresh_token: 'new-refresh-token' },
      },
    });
    expect(saved.statusCode).toBe(200);
    const list = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json().data as Array<{
      service: string;
      enabled: boolean;
      paused_reason: string | null;
    }>;
    expect(list.map((s) => [s.service, s.enabled, s.paused_reason === null])).toEqual([
      ['meta', true, true],
      ['ga4', true, true],
      ['shopify', false, false],
    ]);
  });

  it('enabling a paused schedule clears its reason; pause_after_failures is checked', async () => {
    const user = await createTestUser(database, 'resume');
    await app.inject({ method: 'PUT', url: '/api/schedules/ga4', headers: user.auth, payload: { enabled: true } });
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_schedules SET enabled = false, paused_reason = 'Paused after 5 failed runs in a row',
        paused_at = now(), paused_for = 'failures', failure_streak = 5 WHERE user_id = ${user.id} AND service = 'ga4'`),
    );
    const answer = await app.inject({ method: 'PUT', url: '/api/schedules/ga4', headers: user.auth, payload: { enabled: true } });
    expect(answer.json().data).toMatchObject({ enabled: true, paused_reason: null, paused_at: null, pause_after_failures: 5 });
    for (const pause_after_failures of [-1, 1.5, 1001, '3']) {
      const refused = await app.inject({
        method: 'PUT',
        url: '/api/schedules/ga4',
        headers: user.auth,
        payload: { pause_after_failures },
      });
      expect(refused.statusCode, String(pause_after_failures)).toBe(400);
    }
  });
});
