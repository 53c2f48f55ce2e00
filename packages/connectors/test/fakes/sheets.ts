import { bearer, type FakeAnswer, type FakeRequest, type FakeServer, rpcError, serviceDisabled, startFake } from './http-fake.ts';

type Cell = string | number;
type A1 = { tab: string; col1: number; row1?: number; col2: number; row2?: number };
export type SheetsMode = 'ok' | '429' | '403' | '404' | 'service-disabled';

/**
 * Google Sheets v4 values API: get, update (PUT), append and values:batchUpdate over an in-memory grid
 * per (spreadsheet, tab). USER_ENTERED turns ISO dates into serials and numeric text into numbers; an
 * unknown tab is "Unable to parse range"; a missing spreadsheet is 404; a write without a valid
 * `valueInputOption` (query parameter for update/append, body field for batchUpdate) is 400, as Sheets
 * has no default for it; errors are google.rpc.Status.
 */
export class FakeSheets {
  server!: FakeServer;
  readonly grids = new Map<string, Cell[][]>();
  readonly spreadsheets = new Set<string>();
  mode: SheetsMode = 'ok';

  constructor(private readonly validToken: (token: string) => boolean) {}

  static async start(validToken: (token: string) => boolean): Promise<FakeSheets> {
    const fake = new FakeSheets(validToken);
    fake.server = await startFake((request) => fake.handle(request));
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  addSpreadsheet(id: string, tabs: string[]): void {
    this.spreadsheets.add(id);
    for (const tab of tabs) this.grids.set(`${id}\u0000${tab}`, []);
  }

  grid(id: string, tab: string): Cell[][] {
    return this.grids.get(`${id}\u0000${tab}`) ?? [];
  }

  private handle(request: FakeRequest): FakeAnswer {
    const token = bearer(request);
    if (!token || !this.validToken(token))
      return rpcError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    if (this.mode === '429') {
      return rpcError(
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user'",
        [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RATE_LIMIT_EXCEEDED',
            metadata: { quota_limit: 'WriteRequestsPerMinutePerUser' },
          },
        ],
      );
    }
    if (this.mode === '403') return rpcError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
    if (this.mode === 'service-disabled') return serviceDisabled('Google Sheets API', 'sheets.googleapis.com');
    const path = decodeURIComponent(request.url.pathname);
    const match = /^\/v4\/spreadsheets\/([^/]+)\/(values\/(.+)|values:batchUpdate)$/.exec(path);
    if (!match) return rpcError(404, 'NOT_FOUND', 'Not found');
    const id = match[1] as string;
    if (this.mode === '404' || !this.spreadsheets.has(id)) return rpcError(404, 'NOT_FOUND', 'Requested entity was not found.');
    const body = request.body ? JSON.parse(request.body) : {};
    const batch = match[2] === 'values:batchUpdate';
    const inputOption: unknown = batch ? body.valueInputOption : request.url.searchParams.get('valueInputOption');
    if (request.method !== 'GET') {
      if (inputOption === undefined || inputOption === null || inputOption === '')
        return rpcError(400, 'INVALID_ARGUMENT', "'valueInputOption' is required but not specified");
      if (inputOption !== 'RAW' && inputOption !== 'USER_ENTERED') {
        return rpcError(
          400,
          'INVALID_ARGUMENT',
          `Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "${String(inputOption)}"`,
        );
      }
    }
    const userEntered = inputOption === 'USER_ENTERED';
    if (batch) {
      let cells = 0;
      for (const entry of body.data as Array<{ range: string; values: Cell[][] }>) {
        const range = this.parse(id, entry.range);
        if (!range) return unparsable(entry.range);
        cells += this.write(id, range, entry.values, userEntered, range.row1 ?? 1);
      }
      return {
        json: {
          spreadsheetId: id,
          totalUpdatedRows: body.data.length,
          totalUpdatedColumns: Math.max(0, ...(body.data as Array<{ values: Cell[][] }>).map((e) => e.values[0]?.length ?? 0)),
          totalUpdatedCells: cells,
          totalUpdatedSheets: 1,
          responses: [],
        },
      };
    }
    let rangeText = match[3] as string;
    const append = rangeText.endsWith(':append');
    if (append) rangeText = rangeText.slice(0, rangeText.lastIndexOf(':'));
    const range = this.parse(id, rangeText);
    if (!range) return unparsable(rangeText);
    const grid = this.grid(id, range.tab);
    if (request.method === 'GET') {
      const rows = grid
        .slice((range.row1 ?? 1) - 1, range.row2 ?? grid.length)
        .map((row) => trimRow(row.slice(range.col1, range.col2 + 1)));
      while (rows.length && rows[rows.length - 1]?.length === 0) rows.pop();
      return { json: { range: rangeText, majorDimension: 'ROWS', ...(rows.length ? { values: rows } : {}) } };
    }
    if (request.method === 'PUT') {
      const cells = this.write(id, range, body.values, userEntered, range.row1 ?? 1);
      return { json: { spreadsheetId: id, updatedRange: rangeText, updatedRows: body.values.length, updatedCells: cells } };
    }
    if (request.method === 'POST' && append) {
      const at = lastNonEmptyRow(grid) + 2;
      const cells = this.write(id, range, body.values, userEntered, at);
      const updated = `'${range.tab}'!A${at}:${letter(range.col1 + (body.values[0]?.length ?? 1) - 1)}${at + body.values.length - 1}`;
      return {
        json: {
          spreadsheetId: id,
          tableRange: `'${range.tab}'!A1:${letter(range.col2)}${at - 1}`,
          updates: {
            spreadsheetId: id,
            updatedRange: updated,
            updatedRows: body.values.length,
            updatedColumns: body.values[0]?.length ?? 0,
            updatedCells: cells,
          },
        },
      };
    }
    return rpcError(400, 'INVALID_ARGUMENT', 'Unsupported request');
  }

  private write(id: string, range: A1, values: Cell[][], userEntered: boolean, startRow: number): number {
    const grid = this.grids.get(`${id}\u0000${range.tab}`) as Cell[][];
    let cells = 0;
    values.forEach((row, r) => {
      const index = startRow - 1 + r;
      grid[index] ??= [];
      const target = grid[index] as Cell[];
      row.forEach((value, c) => {
        target[range.col1 + c] = userEntered ? interpret(value) : value;
        cells++;
      });
    });
    for (let i = 0; i < grid.length; i++) grid[i] ??= [];
    return cells;
  }

  private parse(id: string, text: string): A1 | undefined {
    const match = /^(?:'((?:[^']|'')+)'|([^!]+))!([A-Z]+)(\d+)?(?::([A-Z]+)(\d+)?)?$/.exec(text);
    if (!match) return undefined;
    const tab = (match[1] ?? match[2] ?? '').replaceAll("''", "'");
    if (!this.grids.has(`${id}\u0000${tab}`)) return undefined;
    const col1 = column(match[3] as string);
    return {
      tab,
      col1,
      ...(match[4] ? { row1: Number(match[4]) } : {}),
      col2: match[5] ? column(match[5]) : col1,
      ...(match[6] ? { row2: Number(match[6]) } : {}),
    };
  }
}

const unparsable = (range: string) => rpcError(400, 'INVALID_ARGUMENT', `Unable to parse range: ${range}`);
const column = (letters: string) => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
const letter = (index: number): string =>
  (index >= 26 ? letter(Math.floor(index / 26) - 1) : '') + String.fromCharCode(65 + (index % 26));
const trimRow = (row: Cell[]): Cell[] => {
  const out = [...row];
  while (out.length && (out[out.length - 1] === undefined || out[out.length - 1] === '')) out.pop();
  return out.map((cell) => cell ?? '');
};
const lastNonEmptyRow = (grid: Cell[][]): number => {
  for (let i = grid.length - 1; i >= 0; i--) if (trimRow(grid[i] ?? []).length) return i;
  return -1;
};

/** USER_ENTERED: an ISO date becomes its serial (days since 1899-12-30), numeric text a number. */
function interpret(value: Cell): Cell {
  if (typeof value === 'number') return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    return Math.round((Date.parse(`${value}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000);
  if (value !== '' && Number.isFinite(Number(value))) return Number(value);
  return value;
}
