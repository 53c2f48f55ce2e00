import { type Service, SOURCES } from '@kpi/sources';

export type KpiRow = Record<string, number | string>;

export function sheetHeader(service: Service): string[] {
  return ['date', ...SOURCES[service].columns, 'synced_at'];
}

export function sheetRow(service: Service, date: string, metrics: KpiRow, syncedAt: Date): Array<string | number> {
  return [date, ...SOURCES[service].columns.map((column) => metrics[column] ?? ''), syncedAt.toISOString()];
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
