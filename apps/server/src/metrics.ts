import { providerBudgets } from '@kpi/connectors';
import { type Db, queryRows, sql, withService } from '@kpi/db';
import type { SchedulerObserver } from '@kpi/scheduler';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { metricsGuard } from './metrics-access.ts';

/** Prometheus metrics for one instance: scheduler observations plus the shared queue's depth. */
export function createMetrics(db: Db, schedulesKnown: () => number, access: { token?: string } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const fireLag = new Histogram({
    name: 'kpi_fire_lag_seconds',
    help: 'Delay between a fire time and its claim',
    labelNames: ['service', 'trigger'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const fires = new Counter({
    name: 'kpi_fires_total',
    help: 'Fires claimed by this instance',
    labelNames: ['service', 'trigger', 'status'],
    registers: [registry],
  });
  const runs = new Counter({
    name: 'kpi_runs_total',
    help: 'Run attempts finished by this instance',
    labelNames: ['service', 'status'],
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: 'kpi_run_duration_seconds',
    help: 'Duration of run attempts',
    labelNames: ['service'],
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [registry],
  });
  const leaseExpiries = new Counter({
    name: 'kpi_lease_expiries_total',
    help: 'Runs taken back after their lease expired',
    registers: [registry],
  });
  const backfillDays = new Counter({
    name: 'kpi_backfill_days_total',
    help: 'Report days fetched by backfill chunks',
    labelNames: ['service'],
    registers: [registry],
  });
  const backfillChunks = new Counter({
    name: 'kpi_backfill_chunks_total',
    help: 'Backfill chunks committed',
    labelNames: ['service'],
    registers: [registry],
  });
  new Gauge({
    name: 'kpi_schedules_known',
    help: 'Enabled schedules in this instance\u2019s wake-up heap',
    registers: [registry],
    collect() {
      this.set(schedulesKnown());
    },
  });
  new Gauge({
    name: 'kpi_queue_depth',
    help: 'Runs queued and due now, across all instances',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await withService(db, (tx) =>
        queryRows<{ status: string; count: number }>(
          tx,
          sql`SELECT status, count(*)::int AS count FROM job_runs WHERE status IN ('queued', 'running') GROUP BY status`,
        ),
      ).catch(() => []);
      this.reset();
      for (const status of ['queued', 'running']) this.set({ status }, rows.find((row) => row.status === status)?.count ?? 0);
    },
  });

  // Deployment-wide figures (every instance reports the same): slots taken now and each provider's cap.
  // A scrape collects both gauges at once; they share one query.
  let reading: Promise<Awaited<ReturnType<typeof providerBudgets>>> | undefined;
  const budgetsNow = () => {
    reading ??= providerBudgets(db)
      .catch(() => [])
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  for (const [name, help, field] of [
    ['kpi_provider_slots_in_use', 'Provider request slots taken now, across all instances', 'in_use'],
    ['kpi_provider_slots_limit', 'Provider request slots allowed at once (META_/GOOGLE_/SHOPIFY_MAX_CONCURRENCY)', 'limit'],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['provider'],
      registers: [registry],
      async collect() {
        const budgets = await budgetsNow();
        this.reset();
        for (const budget of budgets) this.set({ provider: budget.provider }, budget[field]);
      },
    });
  }

  const observer: SchedulerObserver = {
    fired: (fire) => {
      fires.inc({ service: fire.service, trigger: fire.trigger, status: fire.status });
      if (fire.status === 'queued') fireLag.observe({ service: fire.service, trigger: fire.trigger }, fire.lagMs / 1000);
    },
    runFinished: (run) => {
      runs.inc({ service: run.service, status: run.status });
      runDuration.observe({ service: run.service }, run.durationMs / 1000);
    },
    leaseExpired: (count) => leaseExpiries.inc(count),
    backfillChunk: (chunk) => {
      backfillChunks.inc({ service: chunk.service });
      backfillDays.inc({ service: chunk.service }, chunk.days);
    },
  };

  // Checked before the queue-depth query runs, so an unauthorised scrape costs no database time.
  const guard = metricsGuard(access.token);
  const register = (app: FastifyInstance) => {
    app.get('/metrics', { onRequest: async (request) => guard(request) }, async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  };
  return { registry, observer, register };
}
