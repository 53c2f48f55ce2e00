import { computeNextRun, cronFor } from '@kpi/cron';
import { type Db, preparedRows, type Service, sql, withService } from '@kpi/db';
import type { ClaimedRun } from './run-queries.ts';
import type { FireTrigger } from './stats.ts';

type NextRun = (expression: string, timeZone: string, after: Date) => Date | null;

function memoNextRun(cache: Map<string, Date | null>): NextRun {
  return (expression, timeZone, after) => {
    const key = `${timeZone}\u0000${expression}\u0000${after.getTime()}`;
    if (!cache.has(key)) cache.set(key, computeNextRun(expression, timeZone, after));
    return cache.get(key) ?? null;
  };
}

export type FirePolicy = {
  now: Date;
  batchSize: number;
  /** A fire found later than this is missed, not merely late (MISFIRE_GRACE_SECONDS). */
  graceMs: number;
  /** Only a missed fire this recent gets a recovery run (CATCHUP_WINDOW_SECONDS). */
  catchupWindowMs: number;
  /** Recovery runs start at a random point within this span, so an outage's catch-up is spread out. */
  catchupJitterMs: number;
  maxAttempts: number;
  random?: () => number;
  /** How next fires are computed; a batch passes a memoised one. */
  nextRun?: NextRun;
  /**
   * Up to `limit` fires due now are inserted already leased to this worker, which runs them at once,
   * instead of being queued and claimed back by a second statement (the free slots and local queue).
   */
  take?: { workerId: string; lockedUntil: Date; limit: number };
};

export type ClaimedFire = {
  runId: number;
  scheduleId: number;
  userId: number;
  service: Service;
  trigger: FireTrigger;
  status: 'queued' | 'skipped';
  scheduledFor: Date;
  /** How late the claim was, against the fire it is for (ms). */
  lagMs: number;
  reason?: string;
  /** Set when the fire was inserted leased to the claiming worker (`take`): the run to start now. */
  taken?: ClaimedRun;
};

export type Advanced = { id: number; nextRunAt: Date | null };

type DueRow = {
  id: string;
  user_id: number;
  service: Service;
  cron_expression: string;
  timezone: string;
  next_run_at: Date;
  active_run_id: string | null;
  backfill_running?: boolean;
};

type Planned = {
  take?: boolean;
  /** A backfill chunk of this source is running: the fire is queued and starts when the chunk ends. */
  wait?: boolean;
  schedule_id: number;
  user_id: number;
  service: Service;
  trigger: FireTrigger;
  status: 'queued' | 'skipped';
  scheduled_for: string;
  run_after: string;
  error: string | null;
  next_run_at: string | null;
};

/** Decides what one due schedule becomes: an on-time fire, a recovery of a missed one, or a recorded skip. */
export function planFire(row: DueRow, policy: FirePolicy): Planned {
  const now = policy.now.getTime();
  const due = new Date(row.next_run_at).getTime();
  let trigger: FireTrigger = 'cron';
  let scheduledFor = due;
  let error: string | null = null;
  let status: Planned['status'] = 'queued';
  let runAfter = now;
  let nextRunAt: Date | null;
  try {
    if (now - due <= policy.graceMs) {
      // On time: the next fire follows this one, so even a per-second schedule that is a little late
      // gets every one of its fires, each claimed once.
      nextRunAt = (policy.nextRun ?? computeNextRun)(row.cron_expression, row.timezone, new Date(due));
    } else {
      // Missed (the instance was down or stalled): one run for the latest missed fire, none for the others.
      const latest =
        cronFor(row.cron_expression, row.timezone)
          .previousRuns(1, new Date(now + 1))[0]
          ?.getTime() ?? due;
      scheduledFor = Math.max(latest, due);
      nextRunAt = computeNextRun(row.cron_expression, row.timezone, policy.now);
      if (now - scheduledFor <= policy.graceMs) {
        trigger = 'cron';
      } else if (now - scheduledFor <= policy.catchupWindowMs) {
        trigger = 'recovery';
        runAfter = now + Math.floor((policy.random ?? Math.random)() * policy.catchupJitterMs);
      } else {
        trigger = 'recovery';
        status = 'skipped';
        error = `missed by ${Math.round((now - scheduledFor) / 1000)}s, outside the catch-up window of ${Math.round(policy.catchupWindowMs / 1000)}s`;
      }
    }
  } catch {
    // The stored expression no longer parses (it was valid when saved): stop it rather than loop on it.
    nextRunAt = null;
    status = 'skipped';
    error = `cron expression "${row.cron_expression}" in ${row.timezone} can no longer be evaluated; schedule paused`;
  }
  if (status === 'queued' && row.active_run_id !== null) {
    status = 'skipped';
    error = `previous run job-${row.active_run_id} is still queued or running`;
  }
  return {
    schedule_id: Number(row.id),
    user_id: row.user_id,
    service: row.service,
    trigger,
    status,
    scheduled_for: new Date(scheduledFor).toISOString(),
    run_after: new Date(runAfter).toISOString(),
    error,
    next_run_at: nextRunAt ? nextRunAt.toISOString() : null,
    ...(row.backfill_running ? { wait: true } : {}),
  };
}

type InsertedRun = { id: string; schedule_id: string; status: string };

// A taken fire starts as the claim of a queued run would leave it: running, attempt 1, leased.
const insertRuns = (planned: Planned[], policy: FirePolicy) => {
  const now = policy.now;
  const take = policy.take ?? { workerId: null, lockedUntil: null };
  return sql`
  INSERT INTO job_runs (user_id, schedule_id, service, trigger, scheduled_for, status, max_attempts, run_after,
                        error, error_class, finished_at, attempt, locked_by, locked_until, started_at,
                        created_at, updated_at)
  SELECT v.user_id, v.schedule_id, v.service, v.trigger, v.scheduled_for,
         CASE WHEN v.take THEN 'running' ELSE v.status END, ${policy.maxAttempts}, v.run_after,
         v.error, CASE WHEN v.status = 'skipped' THEN 'Skipped' END,
         CASE WHEN v.status = 'skipped' THEN ${now}::timestamptz END,
         CASE WHEN v.take THEN 1 ELSE 0 END,
         CASE WHEN v.take THEN ${take.workerId}::text END,
         CASE WHEN v.take THEN ${take.lockedUntil}::timestamptz END,
         CASE WHEN v.take THEN ${now}::timestamptz END, ${now}, ${now}
  FROM jsonb_to_recordset(${JSON.stringify(planned)}::jsonb) AS v(
    user_id integer, schedule_id bigint, service text, trigger text, scheduled_for timestamptz, status text,
    run_after timestamptz, error text, take boolean)
  ON CONFLICT DO NOTHING
  RETURNING id, schedule_id, status`;
};

/**
 * Claims every due schedule (up to a batch) in one transaction: lock the due rows (SKIP LOCKED, so
 * instances divide them), insert one `job_runs` row per fire, advance `next_run_at`. The unique
 * (schedule_id, scheduled_for) makes a fire exactly-once even if two instances got here for the same
 * row: only the insert that wins owns it. Its statements are named (prepared once per connection): every
 * claim sends the same texts, with the batch as one JSON parameter.
 */
export async function claimDueSchedules(
  db: Db,
  policy: FirePolicy,
): Promise<{ fires: ClaimedFire[]; advanced: Advanced[]; lost: number }> {
  return withService(db, async (tx) => {
    const due = await preparedRows<DueRow>(
      tx,
      'kpi_due_schedules',
      sql`SELECT s.id, s.user_id, s.service, s.cron_expression, s.timezone, s.next_run_at,
                 (SELECT r.id FROM job_runs r
                   WHERE r.user_id = s.user_id AND r.service = s.service AND r.status IN ('queued', 'running')
                     AND r.trigger <> 'backfill'
                   LIMIT 1) AS active_run_id,
                 EXISTS (SELECT 1 FROM job_runs b
                   WHERE b.user_id = s.user_id AND b.service = s.service AND b.trigger = 'backfill'
                     AND b.status = 'running') AS backfill_running
          FROM job_schedules s
          WHERE s.enabled AND s.next_run_at <= ${policy.now}
          ORDER BY s.next_run_at
          LIMIT ${policy.batchSize}
          FOR UPDATE OF s SKIP LOCKED`,
    );
    if (due.length === 0) return { fires: [], advanced: [], lost: 0 };
    // In a burst most due rows share an expression, zone and fire time: compute each next fire once.
    const nextRuns = new Map<string, Date | null>();
    const memoPolicy = { ...policy, nextRun: memoNextRun(nextRuns) };
    const planned = due.map((row) => planFire(row, memoPolicy));
    let takeLeft = policy.take?.limit ?? 0;
    for (const p of planned) {
      if (takeLeft === 0) break;
      if (p.status === 'queued' && !p.wait && new Date(p.run_after).getTime() <= policy.now.getTime()) {
        p.take = true;
        takeLeft--;
      }
    }
    const inserted = await preparedRows<InsertedRun>(tx, 'kpi_insert_runs', insertRuns(planned, policy));
    const won = new Map(inserted.map((row) => [Number(row.schedule_id), row]));
    // A queued fire can lose to a manual run queued a moment ago (the one-active index): record it as skipped.
    const raced = planned
      .filter((p) => !won.has(p.schedule_id) && p.status === 'queued')
      .map((p) => ({
        ...p,
        status: 'skipped' as const,
        take: false,
        error: 'another run for this service was queued at the same moment',
      }));
    if (raced.length > 0) {
      for (const row of await preparedRows<InsertedRun>(tx, 'kpi_insert_runs', insertRuns(raced, policy))) {
        won.set(Number(row.schedule_id), row);
      }
    }
    await preparedRows(
      tx,
      'kpi_advance_schedules',
      sql`
      WITH v AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(planned)}::jsonb)
          AS v(schedule_id bigint, next_run_at timestamptz, scheduled_for timestamptz)
      )
      UPDATE job_schedules s
      SET next_run_at = v.next_run_at, last_run_at = GREATEST(s.last_run_at, v.scheduled_for)
      -- The id list reaches the rows by key: joined to the JSON alone the planner scanned every schedule.
      FROM v WHERE s.id = v.schedule_id AND s.id = ANY (ARRAY(SELECT schedule_id FROM v))`,
    );
    const fires: ClaimedFire[] = [];
    for (const p of [...planned, ...raced]) {
      const row = won.get(p.schedule_id);
      if (!row || row.status !== (p.take ? 'running' : p.status)) continue;
      fires.push({
        runId: Number(row.id),
        scheduleId: p.schedule_id,
        userId: p.user_id,
        service: p.service,
        trigger: p.trigger,
        status: p.status,
        scheduledFor: new Date(p.scheduled_for),
        lagMs: policy.now.getTime() - new Date(p.scheduled_for).getTime(),
        ...(p.error ? { reason: p.error } : {}),
        ...(p.take
          ? {
              taken: {
                id: Number(row.id),
                userId: p.user_id,
                service: p.service,
                trigger: p.trigger,
                scheduledFor: new Date(p.scheduled_for),
                attempt: 1,
                maxAttempts: policy.maxAttempts,
              },
            }
          : {}),
      });
    }
    return {
      fires,
      advanced: planned.map((p) => ({ id: p.schedule_id, nextRunAt: p.next_run_at ? new Date(p.next_run_at) : null })),
      lost: planned.length - won.size,
    };
  });
}
