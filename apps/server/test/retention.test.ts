import { type Db, queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired, startRetention } from '../src/retention.ts';
import { createTestUser, silentLog } from './support.ts';

const NOW = new Date('2030-06-01T00:00:00.000Z');
const RETENTION_DAYS = 90; // cutoff 2030-03-03

/** The database with its transactions counted: each retention batch is one transaction of one statement. */
function countingTransactions(db: Db): { db: Db; transactions: () => number } {
  let count = 0;
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'transaction' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { db: proxy, transactions: () => count };
}

describe.each(BACKENDS)('retention of runs, sessions and revoked tokens on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.dispose();
  });

  const count = async (statement: ReturnType<typeof sql>) =>
    (await withService(database.db, (tx) => queryRows<{ count: number }>(tx, statement)))[0]?.count ?? -1;

  /**
   * One user's history: 2,515 finished runs past the cutoff, an old queued and an old running run,
   * 5 recent finished runs, 1,200 expired sessions and one live, a long-revoked, a recently revoked
   * and an active token, and snapshots pointing at an old (deleted) and a recent (kept) run.
   */
  async function seed() {
    const { id: userId } = await createTestUser(database, 'history'); // holds one active token
    await withService(database.db, async (tx) => {
      const runs = (n: number, service: string, status: string, createdAt: string) =>
        tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, created_at)
                       SELECT ${userId}, ${service}, 'cron', ${createdAt}::timestamptz + make_interval(secs => i), ${status}, ${createdAt}::timestamptz
                       FROM generate_series(1, ${n}) AS i`);
      await runs(2_500, 'meta', 'succeeded', '2030-01-01T00:00:00Z');
      await runs(10, 'meta', 'failed', '2030-01-02T00:00:00Z');
      await runs(5, 'meta', 'skipped', '2030-01-03T00:00:00Z');
      await runs(5, 'meta', 'succeeded', '2030-05-20T00:00:00Z'); // 12 days old: kept
      // Older than everything, but not finished: a worker may hold them; never deleted.
      await runs(1, 'ga4', 'queued', '2029-01-01T00:00:00Z');
      await runs(1, 'shopify', 'running', '2029-01-01T00:00:00Z');
      await tx.execute(sql`INSERT INTO sessions (user_id, token_hash, expires_at)
                           SELECT ${userId}, md5(${userId}::text || '-' || i) || md5(i::text), '2030-05-01'::timestamptz
                           FROM generate_series(1, 1200) AS i`);
      await tx.execute(sql`INSERT INTO sessions (user_id, token_hash, expires_at)
                           VALUES (${userId}, md5(${userId}::text || '-live') || md5('live'), '2030-07-01')`);
      await tx.execute(sql`INSERT INTO api_tokens (user_id, name, prefix, token_hash, revoked_at)
                           VALUES (${userId}, 'old', 'kpi_o', md5(${userId}::text || 'old') || md5('old'), '2030-01-01'),
                                  (${userId}, 'recent', 'kpi_r', md5(${userId}::text || 'recent') || md5('recent'), '2030-05-25')`);
      await tx.execute(sql`INSERT INTO kpi_snapshots (user_id, service, date, metrics, source, run_id)
                           VALUES (${userId}, 'meta', '2030-01-01', '{"spend": 1}', 'meta',
                                   (SELECT min(id) FROM job_runs WHERE user_id = ${userId} AND status = 'succeeded')),
                                  (${userId}, 'meta', '2030-05-20', '{"spend": 2}', 'meta',
                                   (SELECT max(id) FROM job_runs WHERE user_id = ${userId} AND status = 'succeeded'))`);
    });
    return userId;
  }

  async function expectOnlyKeptRows(userId: number) {
    const runs = await withService(database.db, (tx) =>
      queryRows<{ status: string; count: number }>(
        tx,
        sql`SELECT status, count(*)::int AS count FROM job_runs WHERE user_id = ${userId} GROUP BY status ORDER BY status`,
      ),
    );
    expect(runs).toEqual([
      { status: 'queued', count: 1 },
      { status: 'running', count: 1 },
      { status: 'succeeded', count: 5 },
    ]);
    expect(
      await count(sql`SELECT count(*)::int AS count FROM job_runs WHERE user_id = ${userId} AND created_at < '2030-03-03'
                           AND status NOT IN ('queued', 'running')`),
    ).toBe(0);
    expect(await count(sql`SELECT count(*)::int AS count FROM sessions WHERE user_id = ${userId} AND expires_at > ${NOW}`)).toBe(
      1,
    );
    expect(await count(sql`SELECT count(*)::int AS count FROM sessions WHERE user_id = ${userId}`)).toBe(1);
    const tokens = await withService(database.db, (tx) =>
      queryRows<{ name: string }>(tx, sql`SELECT name FROM api_tokens WHERE user_id = ${userId} ORDER BY name`),
    );
    expect(tokens.map((t) => t.name)).toEqual(['recent', 'test']);
    // The snapshots are the KPI data and outlive the run history: the one whose run was purged keeps
    // its numbers with run_id cleared (ON DELETE SET NULL); the other still points at its run.
    const snapshots = await withService(database.db, (tx) =>
      queryRows<{ date: string; spend: number; run_kept: boolean | null }>(
        tx,
        sql`SELECT to_char(s.date, 'YYYY-MM-DD') AS date, (s.metrics->>'spend')::int AS spend,
                   CASE WHEN s.run_id IS NULL THEN NULL ELSE r.id IS NOT NULL END AS run_kept
            FROM kpi_snapshots s LEFT JOIN job_runs r ON r.id = s.run_id WHERE s.user_id = ${userId} ORDER BY s.date`,
      ),
    );
    expect(snapshots).toEqual([
      { date: '2030-01-01', spend: 1, run_kept: null },
      { date: '2030-05-20', spend: 2, run_kept: true },
    ]);
  }

  it('one pass deletes exactly the expired rows, 1,000 per statement, never a queued or running run', async () => {
    const userId = await seed();
    const counted = countingTransactions(database.db);
    const counts = await purgeExpired(counted.db, { now: NOW, retentionDays: RETENTION_DAYS });
    expect(counts).toEqual({ runs: 2_515, sessions: 1_200, revokedTokens: 1, notifications: 0 });
    // Runs 1,000 + 1,000 + 515, sessions 1,000 + 200, tokens 1, no notifications: seven one-statement transactions.
    expect(counted.transactions()).toBe(7);
    await expectOnlyKeptRows(userId);
    // Nothing left to do: a second pass deletes nothing and stops after one batch per table.
    const again = countingTransactions(database.db);
    expect(await purgeExpired(again.db, { now: NOW, retentionDays: RETENTION_DAYS })).toEqual({
      runs: 0,
      sessions: 0,
      revokedTokens: 0,
      notifications: 0,
    });
    expect(again.transactions()).toBe(4);
  });

  it('two purgers at once delete every expired row exactly once and both finish', async () => {
    const userId = await seed();
    const [a, b] = await Promise.all([
      purgeExpired(database.db, { now: NOW, retentionDays: RETENTION_DAYS, batchSize: 250 }),
      purgeExpired(database.db, { now: NOW, retentionDays: RETENTION_DAYS, batchSize: 250 }),
    ]);
    expect(a.runs + b.runs).toBe(2_515);
    expect(a.sessions + b.sessions).toBe(1_200);
    expect(a.revokedTokens + b.revokedTokens).toBe(1);
    await expectOnlyKeptRows(userId);
  });

  // PGlite is one connection: no second transaction can hold a lock there, so this is PostgreSQL only.
  if (backend === 'postgres')
    it('a purger skips rows another transaction holds instead of waiting on them', async () => {
      const userId = await seed();
      let release!: () => void;
      let locked!: () => void;
      const held = new Promise<void>((resolve) => {
        locked = resolve;
      });
      // Another instance (or a worker) holds 100 of the expired runs locked until told to let go.
      const holder = withService(database.db, async (tx) => {
        await tx.execute(sql`SELECT id FROM job_runs WHERE user_id = ${userId} AND status = 'succeeded'
                           AND created_at < '2030-03-03' ORDER BY id LIMIT 100 FOR UPDATE`);
        locked();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      await held;
      try {
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<'waited'>((resolve) => {
          timer = setTimeout(() => resolve('waited'), 15_000);
        });
        const first = await Promise.race([purgeExpired(database.db, { now: NOW, retentionDays: RETENTION_DAYS }), waited]);
        clearTimeout(timer);
        expect(first).toEqual({ runs: 2_415, sessions: 1_200, revokedTokens: 1, notifications: 0 });
      } finally {
        release();
        await holder;
      }
      // The next pass takes the rows that were held.
      expect((await purgeExpired(database.db, { now: NOW, retentionDays: RETENTION_DAYS })).runs).toBe(100);
      await expectOnlyKeptRows(userId);
    });

  it('the periodic job purges once at start and stops cleanly', async () => {
    const userId = await seed();
    const job = startRetention({ db: database.db, log: silentLog, clock: () => NOW, retentionDays: RETENTION_DAYS });
    try {
      // The pass started by startRetention, not a second one: pass() returns the one in flight.
      expect(await job.pass()).toEqual({ runs: 2_515, sessions: 1_200, revokedTokens: 1, notifications: 0 });
    } finally {
      await job.stop();
    }
    await expectOnlyKeptRows(userId);
  });

  it('stop() ends the pass in flight after its current batch and waits for it (shutdown closes the database next)', async () => {
    const userId = await seed();
    const job = startRetention({
      db: database.db,
      log: silentLog,
      clock: () => NOW,
      retentionDays: RETENTION_DAYS,
      batchSize: 100,
    });
    const inFlight = job.pass(); // the pass startRetention began, first batch under way
    await job.stop();
    // One batch done, nothing begun after stop: the rest waits for the next start.
    expect(await inFlight).toEqual({ runs: 100, sessions: 0, revokedTokens: 0, notifications: 0 });
    expect(await count(sql`SELECT count(*)::int AS count FROM job_runs WHERE user_id = ${userId}`)).toBe(2_522 - 100);
    // A later instance's pass finishes the job.
    await purgeExpired(database.db, { now: NOW, retentionDays: RETENTION_DAYS });
    await expectOnlyKeptRows(userId);
  });
});
