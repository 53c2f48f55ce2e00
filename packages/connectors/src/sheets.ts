import type { Service } from '@kpi/db';
import { serialDate } from './dates.ts';
import type { GoogleCall } from './ga4.ts';
import { classifyGoogleError } from './google-errors.ts';
import { type HttpResponse, httpRequest } from './http.ts';
import { type KpiRow, sheetHeader, sheetRow } from './kpi-rows.ts';
import { sheetsBudget } from './quota-signals.ts';
import { type ConnectorSettings, trimSlash } from './settings.ts';

/** `'My tab'!A:A`: the tab name quoted as A1 notation wants it (a quote inside is doubled). */
export const a1 = (tab: string, range: string): string => `'${tab.replaceAll("'", "''")}'!${range}`;

const columnLetter = (index: number): string => {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
};

type SheetsApi = {
  get(range: string): Promise<Array<Array<string | number>>>;
  update(range: string, values: unknown[][]): Promise<void>;
  append(range: string, values: unknown[][]): Promise<void>;
  batchUpdate(data: Array<{ range: string; values: unknown[][] }>): Promise<void>;
};

export function sheetsApi(settings: ConnectorSettings, call: GoogleCall, spreadsheetId: string, signal?: AbortSignal): SheetsApi {
  const base = `${trimSlash(settings.sheetsBaseUrl)}/v4/spreadsheets/${encodeURIComponent(spreadsheetId)}`;
  const send = async (method: string, url: string, body?: unknown): Promise<HttpResponse> => {
    const response = await call((token) =>
      httpRequest(settings, url, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        target: 'sheet',
        signal,
        budget: sheetsBudget,
      }),
    );
    if (response.status !== 200) throw classifyGoogleError(response, 'sheet', 'Google Sheets');
    return response;
  };
  const values = (range: string) => `${base}/values/${encodeURIComponent(range)}`;
  return {
    async get(range) {
      const response = await send(
        'GET',
        `${values(range)}?valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=SERIAL_NUMBER`,
      );
      return (response.body as { values?: Array<Array<string | number>> }).values ?? [];
    },
    async update(range, rows) {
      await send('PUT', `${values(range)}?valueInputOption=USER_ENTERED`, { range, majorDimension: 'ROWS', values: rows });
    },
    async append(range, rows) {
      await send('POST', `${values(range)}:append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS`, {
        range,
        majorDimension: 'ROWS',
        values: rows,
      });
    },
    async batchUpdate(data) {
      await send('POST', `${base}/values:batchUpdate`, { valueInputOption: 'USER_ENTERED', data });
    },
  };
}

export type SheetWrite = { created: boolean; updated: number; added: number };

/**
 * One row per date per tab, sorted by date, written with ONE values:batchUpdate however many days
 * changed. Column A is the key: USER_ENTERED turns `2026-08-10` into a date serial, so it is read back
 * as a serial (or as the text, if someone formatted the column as plain text). A date's row is
 * overwritten in place (columns A to synced_at only: cells a user typed beside it stay); new dates
 * later than every stored one go right after the last date row. A new date older than a stored one
 * (a gap filled, a backfill) re-sorts the date block, which then grows by the new rows. Rows a user
 * added below the block are never overwritten: if the rows after the block are taken, new dates go
 * after the last used row instead (still in date order among themselves). Runs of one (user, service)
 * never overlap and each service has its own tab, so no two writers race for a row.
 */
export async function writeKpiDays(
  api: SheetsApi,
  options: { tab: string; service: Service; days: Array<{ date: string; metrics: KpiRow }>; syncedAt: Date },
): Promise<SheetWrite> {
  const header = sheetHeader(options.service);
  const last = columnLetter(header.length - 1);
  const days = [...options.days].sort((a, b) => a.date.localeCompare(b.date));
  const rowOf = (day: { date: string; metrics: KpiRow }) => sheetRow(options.service, day.date, day.metrics, options.syncedAt);
  const block = (from: number, rows: unknown[][]) => ({
    range: a1(options.tab, `A${from}:${last}${from + rows.length - 1}`),
    values: rows,
  });
  if (days.length === 0) return { created: false, updated: 0, added: 0 };
  const keys = await api.get(a1(options.tab, 'A:A'));
  if (keys.length === 0) {
    await api.batchUpdate([block(1, [header, ...days.map(rowOf)])]);
    return { created: true, updated: 0, added: days.length };
  }
  const stored = new Map<string, number>();
  keys.forEach((cells, index) => {
    const date = keyDate(cells[0]);
    if (date && index > 0) stored.set(date, index + 1);
  });
  const existing = days.filter((day) => stored.has(day.date));
  const fresh = days.filter((day) => !stored.has(day.date));
  const lastDateRow = Math.max(1, ...stored.values());
  const newest = [...stored.keys()].sort().at(-1);
  const takenBelow = keys.slice(lastDateRow).some((cells) => cells[0] !== undefined && cells[0] !== '');
  const inPlace = existing.map((day) => block(stored.get(day.date) as number, [rowOf(day)]));
  if (fresh.length === 0) {
    await api.batchUpdate(inPlace);
    return { created: false, updated: existing.length, added: 0 };
  }
  const olderThanStored = newest !== undefined && (fresh[0] as { date: string }).date < newest;
  const contiguous = stored.size === lastDateRow - 1;
  if (olderThanStored && !takenBelow && contiguous) {
    // Re-sort the block: its stored rows are read back whole, the changed and new days replace or join them.
    const current = await api.get(a1(options.tab, `A2:${last}${lastDateRow}`));
    const byDate = new Map<string, unknown[]>();
    current.forEach((cells) => {
      const date = keyDate(cells[0]);
      if (date) byDate.set(date, [date, ...cells.slice(1)]);
    });
    for (const day of days) byDate.set(day.date, rowOf(day));
    const rows = [...byDate.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, row]) => row);
    await api.batchUpdate([block(2, rows)]);
    return { created: false, updated: existing.length, added: fresh.length };
  }
  const start = takenBelow ? keys.length + 1 : lastDateRow + 1;
  await api.batchUpdate([...inPlace, block(start, fresh.map(rowOf))]);
  return { created: false, updated: existing.length, added: fresh.length };
}

/** Column A's value as a date: a serial (USER_ENTERED's reading of a date) or the date as text. */
function keyDate(cell: string | number | undefined): string | undefined {
  if (typeof cell === 'number' && Number.isInteger(cell) && cell > 0) return serialDate(cell);
  if (typeof cell === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(cell)) return cell;
  if (typeof cell === 'string' && /^\d+$/.test(cell)) return serialDate(Number(cell));
  return undefined;
}
