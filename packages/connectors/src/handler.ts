import { type Db, kpiSnapshots, type Service, sql, withService } from '@kpi/db';
import {
  type HandlerRegistry,
  reportDateFor,
  type SyncContext,
  type SyncHandler,
  type SyncResult,
  sampleHandler,
} from '@kpi/scheduler';
import { DEFAULT_TABS, SERVICES, SOURCES } from '@kpi/sources';
import { ConnectorError, statusAfter } from './errors.ts';
import { GOOGLE_SCOPES } from './google-auth.ts';
import type { KpiRow } from './kpi-rows.ts';
import type { SecretBox } from './secrets.ts';
import type { ConnectorSettings } from './settings.ts';
import { sheetsApi, writeKpiRow } from './sheets.ts';
import { fetchKpis, googleCaller } from './sources.ts';
import { loadConnection, loadSheet, markConnection, markSheet, openConnection, openSheet } from './store.ts';

export type ConnectorDeps = {
  settings: ConnectorSettings;
  /** Opens and seals stored credentials; absent when the operator gave no SECRETS_KEY (PostgreSQL mode). */
  box?: SecretBox;
};

/**
 * The sync of one service: the user's connection if they made one, else the sample connector (labelled
 * as sample data, and never written to the user's Sheet). Real figures are upserted into kpi_snapshots
 * by (user, service, date), then written to the Sheet's row for that date, so a rerun changes both in
 * place. A failure is recorded on the credential it concerns (needs_reauth, error) before it is thrown.
 */
export function connectorHandler(service: Service, deps: ConnectorDeps): SyncHandler {
  const sample = sampleHandler(service);
  return {
    source: SOURCES[service].sourceName,
    sample: false,
    async run(context: SyncContext): Promise<SyncResult> {
      const row = await loadConnection(context.db, context.userId, service);
      if (!row) return sample.run(context);
      const date = reportDateFor(context.scheduledFor, context.timezone);
      const source = { settings: deps.settings, now: new Date(), signal: context.signal };
      try {
        const metrics = await fetchKpis(service, source, openConnection(context.db, deps.box, row), date);
        await upsertSnapshot(context.db, { userId: context.userId, service, date, metrics, runId: context.runId });
        await markConnection(context.db, context.userId, service, { status: 'ok', error: null });
        const sheet = await writeSheet(service, deps, context, date, metrics);
        context.log.info(
          { event: 'connector-synced', service, date, sheet: sheet?.action ?? 'none' },
          'KPIs fetched and written',
        );
        return { source: SOURCES[service].sourceName, sample: false, date, metrics, rows: 1, sheet: sheet ?? null };
      } catch (error) {
        if (error instanceof ConnectorError) await recordFailure(context, service, error);
        throw error;
      }
    },
  };
}

export function connectorRegistry(deps: ConnectorDeps): HandlerRegistry {
  return new Map(SERVICES.map((service) => [service, connectorHandler(service, deps)]));
}

async function upsertSnapshot(db: Db, row: { userId: number; service: Service; date: string; metrics: KpiRow; runId: number }) {
  const source = SOURCES[row.service].sourceName;
  await withService(db, (tx) =>
    tx
      .insert(kpiSnapshots)
      .values({ ...row, source })
      .onConflictDoUpdate({
        target: [kpiSnapshots.userId, kpiSnapshots.service, kpiSnapshots.date],
        set: { metrics: row.metrics, source, runId: row.runId, updatedAt: sql`now()` },
      }),
  );
}

async function writeSheet(service: Service, deps: ConnectorDeps, context: SyncContext, date: string, metrics: KpiRow) {
  const destination = await loadSheet(context.db, context.userId);
  if (!destination) return undefined;
  const opened = openSheet(context.db, deps.box, destination);
  const call = googleCaller(
    { settings: deps.settings, now: new Date(), signal: context.signal },
    opened.credential,
    opened.persist,
    'sheet',
    GOOGLE_SCOPES.sheets,
  );
  const api = sheetsApi(deps.settings, call, destination.spreadsheetId, context.signal);
  const tab = destination.tabs[service] ?? DEFAULT_TABS[service];
  const written = await writeKpiRow(api, { tab, service, date, metrics, syncedAt: new Date() });
  await markSheet(context.db, context.userId, { status: 'ok', error: null });
  return { tab, ...written };
}

async function recordFailure(context: SyncContext, service: Service, error: ConnectorError): Promise<void> {
  const outcome = { status: statusAfter(error.failure), error: error.message };
  const mark =
    error.target === 'sheet'
      ? markSheet(context.db, context.userId, outcome)
      : markConnection(context.db, context.userId, service, outcome);
  await mark.catch((dbError: unknown) =>
    context.log.warn({ event: 'connection-mark-failed', service, err: dbError }, 'could not record the connection state'),
  );
}
