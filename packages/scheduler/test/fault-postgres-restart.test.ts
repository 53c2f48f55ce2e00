// PostgreSQL restarted while the scheduler runs. A private cluster (never the shared server) behind the
// real server (apps/server/src/main.ts) with every-second schedules; the cluster is stopped for ~10 s
// and started again. The server process stays up, /readyz answers 503 during the outage and 200 after,
// the fires of the outage collapse into one run per schedule (README "Catch-up after downtime": one run
// for the latest missed fire; a recovery run when that fire is older than the grace), none doubled,
// and once things settle no run is left queued or running.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, type Database, openPostgres, queryRows, sql } from '@kpi/db';
import { BACKENDS } from '@kpi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, freePort, PrivateCluster } from './fixtures/fault-tools.ts';
import { REPO_ROOT } from './fixtures/processes.ts';
import { createUsers, insertSchedules } from './fixtures/seed.ts';

// A cluster of its own and the real server: PostgreSQL only. Without it nothing is registered.
const FAULT_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

const EVERY_SECOND = 4;
const OUTAGE_MS = 10_000;
const GRACE_SECONDS = 2;

type Server = {
  alive: () => boolean;
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
};

function startServer(env: Record<string, string>): Server {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exitCode: number | null | undefined;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-30_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    alive: () => exitCode === undefined,
    output: () => output,
    exited,
    kill: (signal) => child.kill(signal),
  };
}

async function readyz(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(8_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each(FAULT_BACKENDS)('PostgreSQL (a private %s cluster) restarted under a running server', () => {
  let cluster: PrivateCluster | undefined;
  let database: Database | undefined;
  let server: Server | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    if (server?.alive()) {
      server.kill('SIGKILL');
      await server.exited;
    }
    await database?.close().catch(() => undefined);
    await cluster?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stays up, goes unready then ready, recovers the outage once and leaves nothing running', async () => {
    cluster = await PrivateCluster.create();
    await cluster.start();
    database = openPostgres({ url: cluster.url, poolSize: 3, onError: () => undefined });
    await applyMigrations(database);
    const db = database.db;

    const port = await freePort();
    dataDir = await mkdtemp(join(tmpdir(), 'kpi-fault-server-'));
    server = startServer({
      DATABASE_URL: cluster.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SCHEDULE_MIN_INTERVAL_SECONDS: '1',
      MISFIRE_GRACE_SECONDS: String(GRACE_SECONDS),
      CATCHUP_JITTER_SECONDS: '0',
      LEASE_SECONDS: '3',
      RETRY_DELAY_SECONDS: '1',
      SHUTDOWN_GRACE_SECONDS: '5',
      METRICS_ENABLED: 'false',
    });
    const live = server;
    const failure = (what: string) => `${what}\n--- server output ---\n${live.output().slice(-4_000)}`;
    await eventually('the server is ready', async () => (await readyz(port)).status === 200, 40_000, 250).catch(
      (error: Error) => {
        throw new Error(failure(error.message));
      },
    );

    // Every-second schedules, and one daily schedule whose only fire falls inside the outage.
    const users = await createUsers(db, EVERY_SECOND + 1, 'restart');
    const everySecond = users.slice(0, EVERY_SECOND);
    const first = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    const secondly = await insertSchedules(
      db,
      everySecond.map((userId) => ({ userId, service: 'meta', cron: '* * * * * *', enabled: true, nextRunAt: first })),
    );
    const runsOf = async (scheduleIds: number[]) =>
      queryRows<{ schedule_id: string; scheduled_for: Date; trigger: string; status: string; attempt: number }>(
        db,
        sql`SELECT schedule_id, scheduled_for, trigger, status, attempt FROM job_runs
            WHERE schedule_id IN (SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(scheduleIds)}::jsonb))
            ORDER BY schedule_id, scheduled_for`,
      );
    await eventually(
      'every-second schedules are firing',
      async () => (await runsOf(secondly)).length >= EVERY_SECOND * 3,
      15_000,
    ).catch((error: Error) => {
      throw new Error(failure(error.message));
    });

    const missedFire = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    const [daily] = await insertSchedules(db, [
      {
        userId: users[EVERY_SECOND] as number,
        service: 'ga4',
        cron: `${missedFire.getUTCSeconds()} ${missedFire.getUTCMinutes()} ${missedFire.getUTCHours()} * * *`,
        enabled: true,
        nextRunAt: missedFire,
      },
    ]);

    // The outage.
    const stoppedAt = Date.now();
    await cluster.stop();
    const unready = await eventually(
      '/readyz reports the database unreachable',
      async () => {
        const answer = await readyz(port);
        return answer.status === 503 ? answer : undefined;
      },
      8_000,
    );
    expect(unready.body).toMatchObject({ ready: false, database: 'unreachable' });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    expect(server.alive(), failure('the server exited during the outage')).toBe(true);
    await cluster.start();
    const restartedAt = Date.now();
    await eventually('/readyz is 200 again', async () => (await readyz(port)).status === 200, 30_000, 250).catch(
      (error: Error) => {
        throw new Error(failure(error.message));
      },
    );

    // The daily schedule's fire was missed: one recovery run for it, which then runs.
    await eventually(
      'the missed fire was recovered and ran',
      async () => {
        const runs = await runsOf([daily as number]);
        return runs.length === 1 && runs[0]?.status === 'succeeded';
      },
      20_000,
    ).catch((error: Error) => {
      throw new Error(failure(error.message));
    });
    // The every-second schedules fire again, then everything stops and drains.
    const resumedBy = Math.ceil(Date.now() / 1000) * 1000 + 3000;
    await eventually(
      'every-second schedules fire again',
      async () => {
        const runs = await runsOf(secondly);
        return (
          new Set(runs.filter((r) => new Date(r.scheduled_for).getTime() >= resumedBy).map((r) => r.schedule_id)).size ===
          EVERY_SECOND
        );
      },
      15_000,
    );
    await db.execute(sql`UPDATE job_schedules SET enabled = false, updated_at = now()`);
    await eventually(
      'no run is queued or running',
      async () => {
        const [row] = await queryRows<{ n: number }>(
          db,
          sql`SELECT count(*)::int AS n FROM job_runs WHERE status IN ('queued', 'running')`,
        );
        return row?.n === 0;
      },
      20_000,
      250,
    ).catch((error: Error) => {
      throw new Error(failure(error.message));
    });
    expect(server.alive(), failure('the server exited')).toBe(true);

    const dailyRuns = await runsOf([daily as number]);
    expect(dailyRuns).toHaveLength(1);
    expect(dailyRuns[0]).toMatchObject({ trigger: 'recovery', status: 'succeeded' });
    expect(new Date(dailyRuns[0]?.scheduled_for as Date).toISOString()).toBe(missedFire.toISOString());

    // Each every-second schedule: continuous before and after, one gap for the outage, and exactly one
    // run standing for all the fires inside it (the latest missed one, found after the restart).
    const problems: string[] = [];
    const runs = await runsOf(secondly);
    for (const scheduleId of secondly) {
      const times = runs.filter((r) => Number(r.schedule_id) === scheduleId).map((r) => new Date(r.scheduled_for).getTime());
      if (new Set(times).size !== times.length) problems.push(`schedule ${scheduleId}: a second fired twice`);
      const gaps = times.slice(1).flatMap((t, i) => (t - (times[i] as number) > 1000 ? [[times[i] as number, t] as const] : []));
      if (gaps.length !== 1) {
        problems.push(
          `schedule ${scheduleId}: ${gaps.length} gaps, expected the outage's one: ${JSON.stringify(gaps.map((g) => g.map((t) => new Date(t).toISOString())))}`,
        );
        continue;
      }
      const [before, after] = gaps[0] as readonly [number, number];
      if (before > stoppedAt + 2_000)
        problems.push(`schedule ${scheduleId}: fired at ${new Date(before).toISOString()}, inside the outage`);
      if (after < restartedAt - 1_000)
        problems.push(
          `schedule ${scheduleId}: the run after the outage is for ${new Date(after).toISOString()}, before the restart`,
        );
    }
    const failed = runs.filter((r) => r.status !== 'succeeded' && r.status !== 'skipped');
    console.log(
      `fault-postgres-restart: outage ${Math.round((restartedAt - stoppedAt) / 1000)} s; ${runs.length} every-second runs ` +
        `(${runs.filter((r) => r.attempt > 1).length} needed a second attempt), daily fire recovered as ${dailyRuns[0]?.trigger}`,
    );
    expect(problems).toEqual([]);
    expect(failed).toEqual([]);

    // And it still shuts down cleanly.
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 150_000);
});
