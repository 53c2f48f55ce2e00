// Backfill under load: U users each backfilling D days (chunks of 31 days, one API call each) while F
// daily fires fall due at once, against a fake source whose every call takes L ms. Run twice on fresh
// databases, with and without the backfill load, one scheduler process (64 worker slots, the default):
//   - time until every backfill and every fire is done;
//   - the fires' start lag (handler start - scheduled fire) p50/p99, with and without the backfills
//     (the ratio is the figure: scheduled fires go first, so it should stay near 1);
//   - the most calls in flight at once per provider (meta, google, shopify);
//   - Jain's fairness index over the users' backfill completion times (1 = all finished alike).
//
//   pnpm bench backfill [--users=200] [--days=90] [--fires=1000] [--latency=200]
import { queryRows, type Service, sql, withService } from '@kpi/db';
import { EnhancedScheduler, type HandlerRegistry, type SyncContext, type SyncHandler } from '@kpi/scheduler';
import { benchLog, fmt, openBenchDatabase, option, percentile, sleep } from './bench-kit.ts';

const USERS = option('users', 200);
const DAYS = option('days', 90);
const FIRES = option('fires', 1_000);
const LATENCY_MS = option('latency', 200);
const SERVICES: Service[] = ['meta', 'ga4', 'shopify'];
const PROVIDER: Record<Service, string> = { meta: 'meta', ga4: 'google', shopify: 'shopify' };

/** The fake source: one call per run or chunk, `LATENCY_MS` long, counted in flight per provider. */
class FakeSource {
  readonly inFlight = new Map<string, number>();
  readonly peak = new Map<string, number>();
  readonly fireLagMs: number[] = [];
  calls = 0;

  handlers(): HandlerRegistry {
    return new Map(SERVICES.map((service) => [service, this.handler(service)]));
  }

  private handler(service: Service): SyncHandler {
    return {
      source: 'bench',
      sample: false,
      run: async (context: SyncContext) => {
        if (context.trigger === 'cron') this.fireLagMs.push(Date.now() - context.scheduledFor.getTime());
        const provider = PROVIDER[service];
        const now = (this.inFlight.get(provider) ?? 0) + 1;
        this.inFlight.set(provider, now);
        this.peak.set(provider, Math.max(this.peak.get(provider) ?? 0, now));
        this.calls++;
        try {
          await sleep(LATENCY_MS);
        } finally {
          this.inFlight.set(provider, (this.inFlight.get(provider) ?? 1) - 1);
        }
        return { range: context.range ?? null };
      },
    };
  }
}

type Outcome = {
  totalMs: number;
  fireLag: { p50: number; p99: number; max: number };
  peak: Map<string, number>;
  calls: number;
  jain: number | null;
  backfillMs: { p50: number; max: number } | null;
};

const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

async function scenario(withBackfills: boolean): Promise<Outcome> {
  const bench = await openBenchDatabase(20);
  try {
    const { database } = bench;
    const db = database.db;
    const users = Math.max(FIRES, withBackfills ? USERS : 0);
    // The fires fall due 1 s after the backfills are queued: the backfill load is under way by then.
    const start = Date.now() + 2_000;
    const due = new Date(start + 1_000);
    const yesterday = Date.now() - 86_400_000;
    const from = isoDay(yesterday - (DAYS - 1) * 86_400_000);
    const to = isoDay(yesterday);
    await withService(db, async (tx) => {
      await tx.execute(sql`INSERT INTO users (email, password_hash)
                           SELECT 'backfill-' || i || '@example.test', 'x' FROM generate_series(1, ${users}) AS i`);
      await tx.execute(sql`INSERT INTO job_schedules (user_id, service, cron_expression, timezone, enabled, next_run_at)
                           SELECT id, 'meta', '0 8 * * *', 'UTC', true, ${due} FROM users ORDER BY id LIMIT ${FIRES}`);
    });
    const source = new FakeSource();
    const scheduler = new EnhancedScheduler({
      db,
      listen: database.listen.bind(database),
      log: benchLog,
      handlers: source.handlers(),
    });
    await scheduler.start();
    const wait = start - Date.now();
    if (wait > 0) await sleep(wait);
    const queuedAt = Date.now();
    if (withBackfills) {
      // Users take the three sources in turn, so a third of the backfills share their source with a fire.
      await withService(db, (tx) =>
        tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, run_after,
                                             range_from, range_to, progress_done, progress_total)
                       SELECT id, (ARRAY['meta', 'ga4', 'shopify'])[1 + (row_number() OVER (ORDER BY id) - 1) % 3],
                              'backfill', now(), 'queued', now(), ${from}::date, ${to}::date, 0, ${DAYS}
                       FROM users ORDER BY id LIMIT ${USERS}`),
      );
      scheduler.runQueued();
    }
    const expected = FIRES + (withBackfills ? USERS : 0);
    for (;;) {
      const [row] = await queryRows<{ n: number; failed: number }>(
        db,
        sql`SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed
            FROM job_runs`,
      );
      if ((row?.failed ?? 0) > 0) throw new Error(`${row?.failed} runs failed`);
      if ((row?.n ?? 0) >= expected) break;
      if (Date.now() - queuedAt > 600_000) throw new Error(`only ${row?.n} of ${expected} runs done after 10 minutes`);
      await sleep(50);
    }
    const totalMs = Date.now() - queuedAt;
    await scheduler.stop(1_000);
    const skipped = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM job_runs WHERE status = 'skipped'`);
    if ((skipped[0]?.n ?? 0) > 0) throw new Error(`${skipped[0]?.n} fires were skipped`);

    let jain: number | null = null;
    let backfillMs: Outcome['backfillMs'] = null;
    if (withBackfills) {
      const times = (
        await queryRows<{ ms: number }>(
          db,
          sql`SELECT extract(epoch FROM finished_at - created_at) * 1000 AS ms FROM job_runs WHERE trigger = 'backfill'`,
        )
      )
        .map((row) => Number(row.ms))
        .sort((a, b) => a - b);
      const sum = times.reduce((a, b) => a + b, 0);
      const squares = times.reduce((a, b) => a + b * b, 0);
      jain = (sum * sum) / (times.length * squares);
      backfillMs = { p50: percentile(times, 50), max: times[times.length - 1] ?? Number.NaN };
    }
    const lags = [...source.fireLagMs].sort((a, b) => a - b);
    if (lags.length !== FIRES) throw new Error(`${lags.length} of ${FIRES} fires ran`);
    return {
      totalMs,
      fireLag: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags[lags.length - 1] ?? Number.NaN },
      peak: source.peak,
      calls: source.calls,
      jain,
      backfillMs,
    };
  } finally {
    await bench.drop();
  }
}

const chunks = Math.ceil(DAYS / 31);
console.log(
  `backfill: ${fmt(USERS, 0)} users x ${fmt(DAYS, 0)} days (${chunks} chunks each) + ${fmt(FIRES, 0)} daily fires due at once, ` +
    `${fmt(LATENCY_MS, 0)} ms per call, one process, 64 worker slots`,
);
const alone = await scenario(false);
const loaded = await scenario(true);
const peaks = (peak: Map<string, number>) =>
  ['meta', 'google', 'shopify'].map((provider) => `${provider} ${peak.get(provider) ?? 0}`).join(', ');
console.log(
  `  fires alone:     all done ${fmt(alone.totalMs, 0)} ms; start lag p50 ${fmt(alone.fireLag.p50, 0)} ms, ` +
    `p99 ${fmt(alone.fireLag.p99, 0)} ms, max ${fmt(alone.fireLag.max, 0)} ms; peak calls in flight ${peaks(alone.peak)}`,
);
console.log(
  `  with backfills:  all done ${fmt(loaded.totalMs, 0)} ms (${fmt(loaded.calls, 0)} calls); start lag p50 ${fmt(loaded.fireLag.p50, 0)} ms, ` +
    `p99 ${fmt(loaded.fireLag.p99, 0)} ms, max ${fmt(loaded.fireLag.max, 0)} ms; peak calls in flight ${peaks(loaded.peak)}`,
);
console.log(
  `  backfill completion per user: p50 ${fmt(loaded.backfillMs?.p50 ?? Number.NaN, 0)} ms, max ${fmt(loaded.backfillMs?.max ?? Number.NaN, 0)} ms; ` +
    `Jain's fairness index ${fmt(loaded.jain ?? Number.NaN, 3)}`,
);
console.log(`  ratio: fire start lag p99 with / without the backfill load ${fmt(loaded.fireLag.p99 / alone.fireLag.p99, 2)}x`);
process.exit(0);
