import { createHash } from 'node:crypto';
import { kpiSnapshots, SERVICES, type Service, sql, withService } from '@kpi/db';
import type { SyncContext, SyncHandler, SyncResult } from './types.ts';

const METRICS: Record<Service, Array<{ name: string; min: number; max: number; decimals?: number }>> = {
  meta: [
    { name: 'spend', min: 50, max: 5000, decimals: 2 },
    { name: 'impressions', min: 5_000, max: 500_000 },
    { name: 'clicks', min: 50, max: 10_000 },
  ],
  ga4: [
    { name: 'sessions', min: 100, max: 50_000 },
    { name: 'users', min: 80, max: 40_000 },
    { name: 'conversions', min: 0, max: 2_000 },
  ],
  shopify: [
    { name: 'orders', min: 0, max: 1_500 },
    { name: 'revenue', min: 0, max: 150_000, decimals: 2 },
  ],
};

/** The calendar date (YYYY-MM-DD) of an instant in a zone. */
export function dateInZone(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/**
 * The day a run reports on: the last complete calendar day before the fire, in the schedule's zone.
 * A sync at 02:00 in Kolkata on 12 August reports 11 August, the day that has ended there; a run at any
 * time of a day never reports a half-finished day.
 */
export function reportDateFor(scheduledFor: Date, timeZone: string): string {
  const today = dateInZone(scheduledFor, timeZone);
  const noon = new Date(`${today}T12:00:00Z`);
  noon.setUTCDate(noon.getUTCDate() - 1);
  return noon.toISOString().slice(0, 10);
}

/** Deterministic figures for (user, service, date): the same inputs give the same numbers on every run. */
export function sampleMetrics(userId: number, service: Service, date: string): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const metric of METRICS[service]) {
    const digest = createHash('sha256').update(`${userId}:${service}:${date}:${metric.name}`).digest();
    const unit = digest.readUInt32BE(0) / 0xffffffff;
    const value = metric.min + unit * (metric.max - metric.min);
    const scale = 10 ** (metric.decimals ?? 0);
    metrics[metric.name] = Math.round(value * scale) / scale;
  }
  return metrics;
}

/**
 * Sample data, clearly labelled as such (as Grafana's TestData source is), until a real connector is
 * configured. It upserts by (user, service, date), so a retried or repeated run never doubles data.
 */
export function sampleHandler(service: Service): SyncHandler {
  return {
    source: 'sample',
    sample: true,
    async run(context: SyncContext): Promise<SyncResult> {
      const date = reportDateFor(context.scheduledFor, context.timezone);
      const metrics = sampleMetrics(context.userId, service, date);
      await withService(context.db, (tx) =>
        tx
          .insert(kpiSnapshots)
          .values({ userId: context.userId, service, date, metrics, source: 'sample', runId: context.runId })
          .onConflictDoUpdate({
            target: [kpiSnapshots.userId, kpiSnapshots.service, kpiSnapshots.date],
            set: { metrics, source: 'sample', runId: context.runId, updatedAt: sql`now()` },
          }),
      );
      return { source: 'sample', sample: true, date, metrics, rows: 1 };
    },
  };
}

export function sampleRegistry(): Map<Service, SyncHandler> {
  return new Map(SERVICES.map((service) => [service, sampleHandler(service)]));
}
