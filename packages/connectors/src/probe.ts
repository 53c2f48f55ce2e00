import type { ConnectionStatus, Db, Service } from '@kpi/db';
import { DEFAULT_TABS, SERVICES } from '@kpi/sources';
import { ConnectorError, statusAfter } from './errors.ts';
import { GOOGLE_SCOPES } from './google-auth.ts';
import { MissingTabError } from './google-errors.ts';
import type { ConnectorDeps } from './handler.ts';
import { a1, sheetsApi } from './sheets.ts';
import { googleCaller, probeSource } from './sources.ts';
import { loadConnection, loadSheet, markConnection, markSheet, openConnection, openSheet } from './store.ts';

export type ProbeOutcome = { ok: boolean; status: ConnectionStatus; message: string };

/**
 * "Test connection": one cheap call with the saved credential, answered in plain words, and recorded on
 * the connection (status, last_checked_at, last_error) exactly as a sync would record it.
 */
export async function testConnection(
  deps: ConnectorDeps,
  db: Db,
  userId: number,
  service: Service,
  signal?: AbortSignal,
): Promise<ProbeOutcome | undefined> {
  const row = await loadConnection(db, userId, service);
  if (!row) return undefined;
  try {
    const { message, timezone } = await probeSource(
      service,
      { settings: deps.settings, now: new Date(), signal },
      openConnection(db, deps.box, row),
    );
    await markConnection(db, userId, service, { status: 'ok', error: null, ...(timezone ? { timezone } : {}) });
    return { ok: true, status: 'ok', message };
  } catch (error) {
    const failed = asConnectorError(error);
    const status = statusAfter(failed.failure);
    await markConnection(db, userId, service, { status, error: failed.message });
    return { ok: false, status: status ?? row.status, message: explain(failed) };
  }
}

/** Reads the first cell of each tab the sync writes: proves the credential, the spreadsheet and the tabs. */
export async function testSheet(
  deps: ConnectorDeps,
  db: Db,
  userId: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome | undefined> {
  const row = await loadSheet(db, userId);
  if (!row) return undefined;
  try {
    const opened = openSheet(db, deps.box, row);
    const context = { settings: deps.settings, now: new Date(), signal };
    const api = sheetsApi(
      deps.settings,
      googleCaller(context, opened.credential, opened.persist, 'sheet', GOOGLE_SCOPES.sheets),
      row.spreadsheetId,
      signal,
    );
    const tabs = SERVICES.map((service) => row.tabs[service] ?? DEFAULT_TABS[service]);
    for (const tab of new Set(tabs)) {
      await api.get(a1(tab, 'A1:A1')).catch((error: unknown) => {
        // Only "Unable to parse range" means the tab is missing; a 404 is the spreadsheet itself.
        if (error instanceof MissingTabError) {
          throw new ConnectorError(
            `The spreadsheet has no tab named "${tab}": create it or change the tab name`,
            'config',
            'sheet',
          );
        }
        throw error;
      });
    }
    await markSheet(db, userId, { status: 'ok', error: null });
    return { ok: true, status: 'ok', message: `Spreadsheet reachable; tabs ${[...new Set(tabs)].join(', ')} are ready.` };
  } catch (error) {
    const failed = asConnectorError(error);
    const status = statusAfter(failed.failure);
    await markSheet(db, userId, { status, error: failed.message });
    return { ok: false, status: status ?? row.status, message: explain(failed) };
  }
}

function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  // Anything unclassified (a bug, an unexpected body) is reported without its internals.
  return new ConnectorError('The test failed unexpectedly; try again later', 'transient', 'source');
}

function explain(error: ConnectorError): string {
  if (error.failure === 'rate_limited') return `${error.message}. The credential works; the API asked us to slow down.`;
  if (error.failure === 'transient') return `${error.message}. This is usually temporary; test again in a few minutes.`;
  return error.message;
}
