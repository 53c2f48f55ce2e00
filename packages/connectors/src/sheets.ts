import type { Service } from '@kpi/db';
import { dateSerial } from './dates.ts';
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

/**
 * One row per date per tab. Column A is the key: USER_ENTERED turns `2026-08-10` into a date serial,
 * so it is read back as a serial (or as the text, if someone formatted the column as plain text). The
 * date's row is overwritten in place; a new date is appended; an empty tab gets the header first.
 * Runs of one (user, service) never overlap (the scheduler guarantees it) and each service has its own
 * tab, so no two writers race for a row.
 */
export async function writeKpiRow(
  api: SheetsApi,
  options: { tab: string; service: Service; date: string; metrics: KpiRow; syncedAt: Date },
): Promise<{ action: 'updated' | 'appended' | 'created'; row: number }> {
  const header = sheetHeader(options.service);
  const row = sheetRow(options.service, options.date, options.metrics, options.syncedAt);
  const last = columnLetter(header.length - 1);
  const keys = await api.get(a1(options.tab, 'A:A'));
  if (keys.length === 0) {
    await api.batchUpdate([
      { range: a1(options.tab, `A1:${last}1`), values: [header] },
      { range: a1(options.tab, `A2:${last}2`), values: [row] },
    ]);
    return { action: 'created', row: 2 };
  }
  const serial = dateSerial(options.date);
  const index = keys.findIndex((cells) => cells[0] === serial || cells[0] === options.date || cells[0] === String(serial));
  if (index >= 0) {
    await api.update(a1(options.tab, `A${index + 1}:${last}${index + 1}`), [row]);
    return { action: 'updated', row: index + 1 };
  }
  await api.append(a1(options.tab, `A:${last}`), [row]);
  return { action: 'appended', row: keys.length + 1 };
}
