// Clock: a scheduler process whose own clock is two minutes ahead or behind still fires on time. The
// fixture shifts Date.now() and new Date() in the child before the engine loads; databaseClock (what
// the server uses) measures the offset to the database's clock, so claims compare next_run_at with the
// database's time. Lag is measured against the database too: the handler stamps clock_timestamp().
// A control with the plain system clock shows what the skew does without that correction.
import { type Db, queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSideEffectTable } from './fixtures/fault-checks.ts';
import { eventually, startFaultProcess, terminateFault } from './fixtures/fault-tools.ts';
import { killAllSchedulerProcesses } from './fixtures/processes.ts';
import { createUsers, insertSchedules } from './fixtures/seed.ts';

// Child processes on a shared server: PostgreSQL only. Without it nothing is registered.
const FAULT_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

const SCHEDULES = 4;
const FIRES = 5;

type Lag = { runs: number; min: number; max: number };

/** Runs one skewed process over a fresh database until every schedule fired FIRES times; answers the lags. */
async function fireWithSkew(
  database: TestDatabase,
  skewMs: number,
  clock: 'database' | 'system',
): Promise<{ handler: Lag; claim: Lag; ready: Record<string, unknown> }> {
  const db = database.db;
  await createSideEffectTable(db);
  const users = await createUsers(db, SCHEDULES, `skew${skewMs}`);
  const first = new Date(Math.ceil(Date.now() / 1000) * 1000 + 4000);
  await insertSchedules(
    db,
    users.map((userId) => ({ userId, service: 'meta', cron: '* * * * * *', enabled: true, nextRunAt: first })),
  );
  const { proc, ready } = await startFaultProcess(`scheduler skewed ${skewMs} ms (${clock} clock)`, {
    DATABASE_URL: database.url as string,
    HANDLER: 'count',
    CLOCK_SKEW_MS: skewMs,
    CLOCK: clock,
    CONCURRENCY: 8,
    POLL_MS: 500,
    GRACE_MS: 60_000,
    CATCHUP_JITTER_MS: 0,
  });
  await eventually(
    `every schedule fired ${FIRES} times`,
    async () => {
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM (SELECT schedule_id FROM job_runs GROUP BY schedule_id HAVING count(*) >= ${FIRES}) AS done`,
      );
      return row?.n === SCHEDULES;
    },
    // Run late by two minutes, the control would never get there: the deadline stays short.
    FIRES * 1000 + 15_000,
    250,
  );
  const outcome = await terminateFault(proc);
  expect(outcome.exit).toEqual({ code: 0, signal: null });
  return { handler: await lags(db, 'handler'), claim: await lags(db, 'claim'), ready };
}

/** Lag of each fire: when its handler ran by the database's clock, or when the engine claimed it. */
async function lags(db: Db, kind: 'handler' | 'claim'): Promise<Lag> {
  const at = kind === 'handler' ? sql`e.executed_at` : sql`r.created_at`;
  const [row] = await queryRows<{ runs: number; min: number; max: number }>(
    db,
    sql`SELECT count(*)::int AS runs,
               min(extract(epoch FROM ${at} - r.scheduled_for) * 1000)::float8 AS min,
               max(extract(epoch FROM ${at} - r.scheduled_for) * 1000)::float8 AS max
        FROM job_runs r JOIN fault_side_effects e ON e.run_id = r.id
        WHERE r.status = 'succeeded'`,
  );
  return { runs: row?.runs ?? 0, min: row?.min ?? Number.NaN, max: row?.max ?? Number.NaN };
}

describe.each(FAULT_BACKENDS)('a scheduler whose clock is two minutes off, on %s', (backend) => {
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const database = await openTestDatabase(backend);
    databases.push(database);
    return database;
  };
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await Promise.all(databases.map((database) => database.dispose()));
  });

  it.each([120_000, -120_000])(
    'fires on time with its clock off by %i ms (databaseClock)',
    async (skewMs) => {
      const { handler, claim, ready } = await fireWithSkew(await fresh(), skewMs, 'database');
      console.log(
        `fault-clock-skew ${skewMs} ms: clock offset measured ${Math.round(Number(ready.clockOffsetMs))} ms; ` +
          `${handler.runs} runs, handler lag ${Math.round(handler.min)}..${Math.round(handler.max)} ms, claim lag ${Math.round(claim.min)}..${Math.round(claim.max)} ms`,
      );
      // The skew was really there, and the engine measured it away.
      expect(Math.abs(Number(ready.localNow) - Date.now() - skewMs)).toBeLessThan(10_000);
      expect(Math.abs(Number(ready.clockOffsetMs) + skewMs)).toBeLessThan(1_000);
      expect(handler.runs).toBeGreaterThanOrEqual(SCHEDULES * FIRES);
      expect(handler.min).toBeGreaterThanOrEqual(0);
      expect(handler.max).toBeLessThan(2_000);
      expect(claim.min).toBeGreaterThanOrEqual(-50);
      expect(claim.max).toBeLessThan(2_000);
    },
    60_000,
  );

  it('control: with the plain system clock the same skew fires two minutes early', async () => {
    const { handler } = await fireWithSkew(await fresh(), 120_000, 'system');
    expect(handler.runs).toBeGreaterThan(0);
    expect(handler.max).toBeLessThan(-100_000);
  }, 60_000);
});
