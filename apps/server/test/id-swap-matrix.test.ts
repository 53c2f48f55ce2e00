/**
 * The attacker's id-swap matrix: user B, with a valid token of B's own, sends every id-bearing route and
 * procedure A's ids and their neighbours (±1, ±2, 0, negative, huge) and gets zero hits: a 4xx or an
 * empty/own-only answer, never one of A's rows, never a change to them (checked as the superuser after).
 *
 * The same matrix then runs against a "filters removed" build, to show that row-level security alone
 * blocks it. How that build works: the database driver under the very same app is wrapped (pg's
 * Client.prototype.query, or the PGlite instance's query and transaction) so that, while the build is
 * switched on, every application-level ownership predicate in the SQL (`user_id = $n` after
 * WHERE/AND/OR/ON, as drizzle's `eq(x.userId, ...)` or a hand-written `user_id = ${userId}` renders) is
 * rewritten to `(true OR user_id = $n)`: the filter still binds its parameter but no longer filters.
 * Policies live in the database, not in the query text, so the rewrite leaves RLS alone; what stays is
 * exactly "withTenant's role and app.current_user_id + the policies". A control test proves the rewrite
 * does remove such a filter (a service-role query filtered on B then sees A's rows). Today the services
 * carry no such filter on tenant paths (they rely on RLS by design), so the build counts how many
 * predicates it rewrote and the matrix must hold either way; a filter added later is neutralised too.
 */
import type { ApiDeps } from '@kpi/api';
import { createApiToken } from '@kpi/api';
import { connectorsPort, DEFAULT_CONNECTOR_SETTINGS, SecretBox } from '@kpi/connectors';
import { queryRows, sql, withService, withTenant } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FilterRemoval, installFilterRemoval } from './filter-removal.ts';
import { jsonHeaders } from './http.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const HUGE = ['2147483647', '2147483648', '9007199254740991', '99999999999999999999'];

describe.each(BACKENDS)('id-swap matrix on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let a: TestUser;
  let b: TestUser;
  let removal: { state: FilterRemoval; uninstall: () => void };
  const ids = { runs: [] as number[], tokens: [] as number[], schedules: [] as number[], connections: [] as number[] };
  const own = { runs: [] as number[], tokens: [] as number[] };
  let before: string;
  const MARKERS = { account: '424242424242', spreadsheet: 'A-SPREADSHEET-7c1e', secret: 'SEALED-A-SECRET-91f0' };

  const send = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: body === undefined ? b.auth : jsonHeaders(b.auth),
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const trpcQuery = (path: string, input?: unknown) =>
    send('GET', `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`);
  const trpcMutation = (path: string, input?: unknown) => send('POST', `/trpc/${path}`, input ?? {});

  // Every column of every row of A's, as the superuser (minus last_used_at, which A's own calls move).
  const snapshotOf = async (userId: number) => {
    const parts: string[] = [];
    const tables = [
      'users',
      'sessions',
      'api_tokens',
      'job_schedules',
      'job_runs',
      'kpi_snapshots',
      'connections',
      'sheet_destinations',
    ];
    for (const table of tables) {
      const key = table === 'users' ? 'id' : 'user_id';
      const rows = await queryRows<{ row: string }>(
        database.db,
        sql`SELECT (to_jsonb(t) - 'last_used_at')::text AS row FROM ${sql.identifier(table)} t WHERE ${sql.identifier(key)} = ${userId} ORDER BY 1`,
      );
      parts.push(`${table}: ${rows.map((r) => r.row).join('\n')}`);
    }
    return parts.join('\n');
  };

  /** Zero hits: never 5xx, no A marker anywhere, no A id among the rows of the answer's kind. */
  const expectNoHit = (response: LightMyRequestResponse, label: string, kind?: keyof typeof ids) => {
    const where = `${label}: ${response.statusCode} ${response.body.slice(0, 200)}`;
    expect(response.statusCode, where).toBeLessThan(500);
    for (const marker of [a.email, MARKERS.account, MARKERS.spreadsheet, MARKERS.secret, a.token]) {
      expect(response.body, where).not.toContain(marker);
    }
    expect(response.body, where).not.toMatch(new RegExp(`"(user_id|userId)":${a.id}\\b`));
    if (response.statusCode !== 200 || !kind) return;
    const data =
      (response.json() as { data?: unknown; result?: { data?: unknown } }).data ??
      (response.json() as { result?: { data?: unknown } }).result?.data;
    const rows = Array.isArray(data) ? data : ((data as { items?: unknown[] } | null)?.items ?? (data ? [data] : []));
    const found = (rows as Array<{ id?: number }>)
      .map((row) => row.id)
      .filter((id) => id !== undefined && ids[kind].includes(id));
    expect(found, where).toEqual([]);
  };
  const expectRefused = (response: LightMyRequestResponse, label: string) => {
    expectNoHit(response, label);
    expect([400, 403, 404], `${label}: ${response.statusCode} ${response.body.slice(0, 200)}`).toContain(response.statusCode);
  };

  /** A's ids, their neighbours and the odd values, minus ids that are B's own (B may read those). */
  const candidates = (of: number[], mine: number[]) => {
    const set = new Set<string>(HUGE);
    for (const id of of) for (const d of [-2, -1, 0, 1, 2]) set.add(String(id + d));
    for (const odd of ['0', '-1', `-${a.id}`]) set.add(odd);
    return [...set].filter((id) => !mine.includes(Number(id)));
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const box = SecretBox.fromBase64(Buffer.alloc(32, 5).toString('base64'));
    const deps: ApiDeps = {
      ...testDeps(database),
      connectors: connectorsPort({ settings: DEFAULT_CONNECTOR_SETTINGS, box }),
    };
    app = await buildTestApp(database, { deps });
    a = await createTestUser(database, 'alice');
    b = await createTestUser(database, 'bob');
    const asA = (method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown) =>
      app.inject({
        method,
        url,
        headers: body === undefined ? a.auth : jsonHeaders(a.auth),
        ...(body ? { payload: JSON.stringify(body) } : {}),
      });
    ids.tokens.push((await createApiToken({ db: database.db }, a.id, { name: 'alice second' })).apiToken.id);
    ids.tokens.push(...((await asA('GET', '/api/tokens')).json().data as Array<{ id: number }>).map((t) => t.id));
    await asA('PUT', '/api/schedules/meta', { cron: '15 4 * * *', enabled: true, timezone: 'Europe/London' });
    ids.schedules.push(...((await asA('GET', '/api/schedules')).json().data as Array<{ id: number }>).map((s) => s.id));
    for (const service of ['meta', 'ga4', 'shopify']) {
      const job = (await asA('POST', `/api/schedules/${service}/run`)).json().data.jobId as string;
      ids.runs.push(Number(job.slice(4)));
    }
    await database.db.execute(sql`UPDATE job_runs SET status = 'succeeded', finished_at = now() WHERE id = ${ids.runs[0]}`);
    await database.db.execute(
      sql`INSERT INTO kpi_snapshots (user_id, service, date, metrics, source, run_id)
          VALUES (${a.id}, 'meta', '2024-01-01', '{"spend": 1234}', 'sample', ${ids.runs[0]})`,
    );
    const [connection] = await queryRows<{ id: number }>(
      database.db,
      sql`INSERT INTO connections (user_id, service, account_id, credential_kind, secret)
          VALUES (${a.id}, 'meta', ${MARKERS.account}, 'access_token', ${MARKERS.secret}) RETURNING id`,
    );
    ids.connections.push(Number(connection?.id));
    await database.db.execute(
      sql`INSERT INTO sheet_destinations (user_id, spreadsheet_id, credential_kind, secret)
          VALUES (${a.id}, ${MARKERS.spreadsheet}, 'service_account', ${MARKERS.secret})`,
    );
    // B has a run and tokens of B's own, so that lists are not trivially empty.
    const bJob = (await send('POST', '/api/schedules/shopify/run')).json().data.jobId as string;
    own.runs.push(Number(bJob.slice(4)));
    own.tokens.push(...((await send('GET', '/api/tokens')).json().data as Array<{ id: number }>).map((t) => t.id));
    before = await snapshotOf(a.id);
    removal = await installFilterRemoval(database);
  });
  afterAll(async () => {
    removal?.uninstall();
    await app?.close();
    await database?.dispose();
  });

  it('control: the filters-removed build really removes an application-level user filter', async () => {
    removal.state.active = true;
    const before = removal.state.rewritten;
    try {
      // As the service role (policies allow every row), a query filtered on B's id now sees A's rows too.
      const seen = await withService(database.db, (tx) =>
        queryRows<{ user_id: number }>(tx, sql`SELECT DISTINCT user_id FROM job_runs WHERE user_id = ${b.id}`),
      );
      expect(seen.map((r) => r.user_id).sort()).toEqual([a.id, b.id].sort());
      const asB = await withTenant(database.db, b.id, (tx) =>
        queryRows<{ user_id: number }>(tx, sql`SELECT DISTINCT user_id FROM job_runs WHERE user_id = ${a.id}`),
      );
      // The same query as tenant B, asking for A's rows with the filter gone: RLS alone leaves B's own.
      expect(asB.map((r) => r.user_id)).toEqual([b.id]);
    } finally {
      removal.state.active = false;
    }
    expect(removal.state.rewritten - before).toBe(2);
  });

  for (const build of ['full application', 'application-level filters removed (RLS alone)'] as const) {
    it(`${build}: B gets zero hits on every id-bearing route and procedure`, async () => {
      removal.state.active = build !== 'full application';
      const seenBefore = removal.state.seen;
      // B's own ids as they are now (the first build's writes gave B more runs): B may read those.
      const bRuns = (await send('GET', '/api/runs?limit=100')).json().data.items as Array<{ id: number; service: string }>;
      own.runs = bRuns.map((r) => r.id);
      own.tokens = ((await send('GET', '/api/tokens')).json().data as Array<{ id: number }>).map((t) => t.id);
      try {
        for (const id of candidates(ids.runs, own.runs)) {
          expectRefused(await send('GET', `/api/runs/${id}`), `GET /api/runs/${id}`);
          expectRefused(await trpcQuery('runs.byId', { id: Number(id) }), `runs.byId ${id}`);
          // A cursor next to A's ids pages through B's runs only (or is refused as invalid).
          expectNoHit(await send('GET', `/api/runs?cursor=${id}&limit=100`), `GET /api/runs?cursor=${id}`, 'runs');
          expectNoHit(await trpcQuery('runs.list', { cursor: Number(id), limit: 100 }), `runs.list cursor ${id}`, 'runs');
        }
        for (const id of candidates(ids.tokens, own.tokens)) {
          expectRefused(await send('DELETE', `/api/tokens/${id}`), `DELETE /api/tokens/${id}`);
          expectRefused(await trpcMutation('tokens.revoke', { id: Number(id) }), `tokens.revoke ${id}`);
        }
        // No route takes a schedule or connection id: one in the path or the body is refused as such.
        for (const id of candidates([...ids.schedules, ...ids.connections], [])) {
          expectRefused(await send('PUT', `/api/schedules/${id}`, { enabled: false }), `PUT /api/schedules/${id}`);
          expectRefused(await send('POST', `/api/schedules/${id}/run`), `POST /api/schedules/${id}/run`);
          expectRefused(
            await send('PUT', '/api/schedules/meta', { id: Number(id), enabled: false }),
            `PUT schedule body id ${id}`,
          );
          expectRefused(await send('DELETE', `/api/connections/${id}`), `DELETE /api/connections/${id}`);
          expectRefused(await trpcMutation('schedules.update', { service: 'meta', id: Number(id) }), `schedules.update id ${id}`);
          expectRefused(
            await trpcMutation('connections.remove', { service: 'meta', id: Number(id) }),
            `connections.remove id ${id}`,
          );
        }
        // By service: the same service names as A's rows, answered from B's rows only.
        expectNoHit(await send('GET', '/api/schedules'), 'GET /api/schedules', 'schedules');
        expectNoHit(await trpcQuery('schedules.list'), 'schedules.list', 'schedules');
        expectNoHit(await send('GET', '/api/connections'), 'GET /api/connections', 'connections');
        expectNoHit(await trpcQuery('connections.list'), 'connections.list', 'connections');
        for (const service of ['meta', 'ga4', 'shopify']) {
          // Writes by service act on B's rows: a run B starts (or B's own queued one in a 409) is never A's.
          const aJobs = ids.runs.map((id) => `"job-${id}"`);
          for (const response of [
            await send('POST', `/api/schedules/${service}/run`),
            await trpcMutation('schedules.run', { service }),
            await send('PUT', `/api/schedules/${service}`, { cron: '0 5 * * *', timezone: 'UTC' }),
            await trpcMutation('schedules.update', { service, enabled: false }),
          ]) {
            expectNoHit(response, `write ${service}`, 'schedules');
            expect([200, 409], response.body.slice(0, 200)).toContain(response.statusCode);
            for (const job of aJobs) expect(response.body).not.toContain(job);
          }
          expectRefused(await send('DELETE', `/api/connections/${service}`), `DELETE /api/connections/${service}`);
          expectRefused(await trpcMutation('connections.remove', { service }), `connections.remove ${service}`);
          expectRefused(await send('POST', `/api/connections/${service}/test`), `POST /api/connections/${service}/test`);
          expectRefused(await trpcMutation('connections.test', { service }), `connections.test ${service}`);
        }
        const sheet = await send('GET', '/api/sheets');
        expectNoHit(sheet, 'GET /api/sheets');
        expect(sheet.json().data).toBeNull();
        expectNoHit(await trpcQuery('sheets.get'), 'sheets.get');
        expectRefused(await send('DELETE', '/api/sheets'), 'DELETE /api/sheets');
        expectRefused(await trpcMutation('sheets.remove'), 'sheets.remove');
        expectRefused(await send('POST', '/api/sheets/test'), 'POST /api/sheets/test');
        expectRefused(await trpcMutation('sheets.test'), 'sheets.test');
        // Lists and aggregates that imply "my rows".
        expectNoHit(await send('GET', '/api/runs?limit=100'), 'GET /api/runs', 'runs');
        expectNoHit(await send('GET', '/api/tokens'), 'GET /api/tokens', 'tokens');
        expectNoHit(await trpcQuery('tokens.list'), 'tokens.list', 'tokens');
        const bRunsNow = (await send('GET', '/api/runs?limit=100')).json().data.items as Array<{ service: string }>;
        const bMetaRuns = bRunsNow.filter((r) => r.service === 'meta').length;
        const stats = await send('GET', '/api/runs/stats');
        expectNoHit(stats, 'GET /api/runs/stats');
        const meta = (stats.json().data as Array<{ service: string; runs_total: number }>).find((s) => s.service === 'meta');
        expect(meta?.runs_total).toBe(bMetaRuns);
        const kpis = await send('GET', '/api/kpis');
        expectNoHit(kpis, 'GET /api/kpis');
        expect(kpis.json().data).toEqual([]);
        expectNoHit(await trpcQuery('kpis.latest'), 'kpis.latest');
        const history = await send('GET', '/api/kpis/history?service=meta&from=2023-12-01&to=2024-02-01');
        expectNoHit(history, 'GET /api/kpis/history');
        expect(history.json().data.days.every((day: { missing: boolean }) => day.missing)).toBe(true);
        expectNoHit(await trpcQuery('kpis.history', { service: 'meta', from: '2023-12-01', to: '2024-02-01' }), 'kpis.history');
      } finally {
        removal.state.active = false;
      }
      // The app's statements did go through the wrapper (it sits in the path the app uses).
      if (build !== 'full application') expect(removal.state.seen - seenBefore).toBeGreaterThan(100);
    });
  }

  it('after both matrices, every row of A’s is exactly as it was (read as the superuser)', async () => {
    expect(await snapshotOf(a.id)).toBe(before);
  });
});
