import { createHash } from 'node:crypto';
import type { HandlerRegistry, SyncContext, SyncHandler, SyncResult } from '@kpi/scheduler';
import { SERVICES, type Service } from '@kpi/sources';
import { eachDay, reportDateFor } from './report-days.ts';
import { scheduleSettings } from './schedule-settings.ts';
import { upsertSnapshots } from './snapshots.ts';

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
 * configured. It has no source zone, so its day is the last complete day in the schedule's zone; a
 * backfill chunk's range is generated day by day. Figures never change, so lookback would add nothing.
 */
export function sampleHandler(service: Service): SyncHandler {
  return {
    source: 'sample',
    sample: true,
    async run(context: SyncContext): Promise<SyncResult> {
      const { timezone: timeZone } = await scheduleSettings(context.db, context.userId, service);
      const date = reportDateFor(context.scheduledFor, timeZone);
      const range = context.range ?? { from: date, to: date };
      const days = eachDay(range.from, range.to).map((day) => ({
        date: day,
        metrics: sampleMetrics(context.userId, service, day),
      }));
      const changed = await upsertSnapshots(context.db, {
        userId: context.userId,
        service,
        source: 'sample',
        runId: context.runId,
        days,
      });
      const metrics = days.length === 1 ? days[0]?.metrics : undefined;
      return {
        source: 'sample',
        sample: true,
        date: range.to,
        ...(metrics ? { metrics } : {}),
        rows: days.length,
        range,
        days_fetched: days.length,
        days_changed: changed.length,
      };
    },
  };
}

export function sampleRegistry(): HandlerRegistry {
  return new Map(SERVICES.map((service) => [service, sampleHandler(service)]));
}
