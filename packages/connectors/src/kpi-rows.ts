import type { Service } from '@kpi/db';

/** The fixed KPI row per service: the snapshot's metric keys and the Sheet's columns after `date`. */
export const KPI_COLUMNS = {
  meta: ['spend', 'impressions', 'clicks', 'conversions', 'currency'],
  ga4: ['sessions', 'users', 'key_events', 'purchases', 'revenue', 'currency'],
  shopify: ['orders', 'gross_sales', 'currency'],
} as const satisfies Record<Service, readonly string[]>;

export type KpiRow = Record<string, number | string>;

/** Where real figures come from, as stored in `kpi_snapshots.source` (the sample connector writes 'sample'). */
export const SOURCE_NAMES: Record<Service, string> = {
  meta: 'meta_insights',
  ga4: 'ga4_data_api',
  shopify: 'shopify_admin',
};

export const DEFAULT_TABS: Record<Service, string> = { meta: 'Meta', ga4: 'GA4', shopify: 'Shopify' };

export function sheetHeader(service: Service): string[] {
  return ['date', ...KPI_COLUMNS[service], 'synced_at'];
}

export function sheetRow(service: Service, date: string, metrics: KpiRow, syncedAt: Date): Array<string | number> {
  return [date, ...KPI_COLUMNS[service].map((column) => metrics[column] ?? ''), syncedAt.toISOString()];
}

/** Sums decimal strings exactly enough for money: APIs send "12.34", floats would drift over many rows. */
export function sumMoney(values: Array<string | number | undefined>): number {
  let cents = 0;
  for (const value of values) {
    const n = Number(value ?? 0);
    if (Number.isFinite(n)) cents += Math.round(n * 100);
  }
  return cents / 100;
}

export const toInt = (value: unknown): number => {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? Math.round(n) : 0;
};
