import type { Connection, Service } from '@kpi/db';
import type { HandlerRegistry, SyncContext, SyncHandler, SyncResult } from '@kpi/scheduler';
import { DEFAULT_TABS, SERVICES, SOURCES } from '@kpi/sources';
import { ConnectorError, statusAfter } from './errors.ts';
import { GOOGLE_SCOPES } from './google-auth.ts';
import { addDays, dateInZone, reportDateFor } from './report-days.ts';
import { sampleHandler } from './sample.ts';
import { scheduleSettings } from './schedule-settings.ts';
import type { SecretBox } from './secrets.ts';
import type { ConnectorSettings } from './settings.ts';
import { sheetsApi, writeKpiDays } from './sheets.ts';
import { type DayFigures, markSheetWritten, sheetOwedDays, storedDays, upsertSnapshots } from './snapshots.ts';
import { type DayRange, fetchKpiDays, googleCaller, type SourceContext, sourceTimezone } from './sources.ts';
import {
  loadConnection,
  loadSheet,
  markConnection,
  markSheet,
  type OpenedConnection,
  openConnection,
  openSheet,
} from './store.ts';
import { gapSearchRange, runRange } from './sync-window.ts';

export type ConnectorDeps = {
  settings: ConnectorSettings;
  /** Opens and seals stored credentials; absent when the operator gave no SECRETS_KEY (PostgreSQL mode). */
  box?: SecretBox;
};

/**
 * The sync of one service: the user's connection if they made one, else the sample connector (labelled
 * as sample data, and never written to the user's Sheet). Days are the source's days: the newest one
 * fetched is the last that has ended in the source's zone at the fire. A run fetches, in one range call,
 * the last lookback_days days (sources restate them) widened back to the oldest missing day since the
 * connection's horizon (bounded per run); a backfill chunk (`context.range`) fetches exactly its range.
 * Only days whose figures changed are upserted and written to the Sheet (one batch). A failure is
 * recorded on the credential it concerns (needs_reauth, error) before it is thrown.
 */
export function connectorHandler(service: Service, deps: ConnectorDeps): SyncHandler {
  const sample = sampleHandler(service);
  return {
    source: SOURCES[service].sourceName,
    sample: false,
    async run(context: SyncContext): Promise<SyncResult> {
      const row = await loadConnection(context.db, context.userId, service);
      if (!row) return sample.run(context);
      const source: SourceContext = { settings: deps.settings, now: new Date(), signal: context.signal };
      try {
        const opened = openConnection(context.db, deps.box, row);
        const timezone = row.timezone ?? (await learnTimezone(context, service, source, opened));
        const range = context.range
          ? finishedPart(context.range, reportDateFor(context.scheduledFor, timezone))
          : await rangeToFetch(context, service, deps.settings, row, timezone);
        if (!range)
          return { source: SOURCES[service].sourceName, sample: false, timezone, range: null, days_fetched: 0, days_changed: 0 };
        const days = await fetchKpiDays(service, source, opened, range);
        const changed = await upsertSnapshots(context.db, {
          userId: context.userId,
          service,
          source: SOURCES[service].sourceName,
          runId: context.runId,
          days,
        });
        await markConnection(context.db, context.userId, service, { status: 'ok', error: null });
        const sheet = await writeSheet(service, deps, context, days, range);
        context.log.info(
          { event: 'connector-synced', service, range, timezone, daysChanged: changed.length, sheet: sheet ?? 'none' },
          'KPIs fetched and written',
        );
        return {
          source: SOURCES[service].sourceName,
          sample: false,
          timezone,
          range,
          date: range.to,
          rows: days.length,
          days_fetched: days.length,
          days_changed: changed.length,
          changed,
          sheet: sheet ?? null,
        };
      } catch (error) {
        if (error instanceof ConnectorError) await recordFailure(context, service, error);
        throw error;
      }
    },
  };
}

/**
 * The days of an engine-given range (a backfill chunk) that had ended in the source's zone when the run
 * was queued: a backfill asked for in the schedule's zone before the source's zone was known never
 * stores a day still running there. Undefined when none had.
 */
function finishedPart(range: DayRange, lastFinished: string): DayRange | undefined {
  const to = range.to < lastFinished ? range.to : lastFinished;
  return range.from <= to ? { from: range.from, to } : undefined;
}

export function connectorRegistry(deps: ConnectorDeps): HandlerRegistry {
  return new Map(SERVICES.map((service) => [service, connectorHandler(service, deps)]));
}

/** A connection saved but never tested: one cheap call learns its zone, kept on the connection. */
async function learnTimezone(
  context: SyncContext,
  service: Service,
  source: SourceContext,
  opened: OpenedConnection,
): Promise<string> {
  const timezone = await sourceTimezone(service, source, opened);
  if (!timezone)
    throw new ConnectorError(`The ${SOURCES[service].label} account names no time zone this server knows`, 'config', 'source');
  await markConnection(context.db, context.userId, service, { error: null, timezone });
  return timezone;
}

/** The days a scheduled or manual run fetches: see connectorHandler. */
async function rangeToFetch(
  context: SyncContext,
  service: Service,
  settings: ConnectorSettings,
  row: Connection,
  timezone: string,
): Promise<DayRange> {
  const schedule = await scheduleSettings(context.db, context.userId, service);
  const lookbackDays = schedule.lookbackDays ?? SOURCES[service].lookbackDays;
  const yesterday = reportDateFor(context.scheduledFor, timezone);
  const horizon = addDays(dateInZone(row.createdAt, timezone), -settings.backfillDays);
  const gaps = gapSearchRange(yesterday, lookbackDays, horizon);
  const stored = gaps ? await storedDays(context.db, context.userId, service, gaps.from, gaps.to) : new Set<string>();
  return runRange(yesterday, lookbackDays, gaps, stored);
}

/**
 * Writes to the Sheet the fetched days it does not hold yet: the ones that changed now, and the ones a
 * failed Sheet write (or a Sheet added later) still owes. Unchanged days already in the Sheet are not sent.
 */
async function writeSheet(service: Service, deps: ConnectorDeps, context: SyncContext, fetched: DayFigures[], range: DayRange) {
  const destination = await loadSheet(context.db, context.userId);
  if (!destination) return undefined;
  const owed = await sheetOwedDays(context.db, context.userId, service, range.from, range.to);
  const days = fetched.filter((day) => owed.has(day.date));
  if (days.length === 0) return undefined;
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
  const written = await writeKpiDays(api, { tab, service, days, syncedAt: new Date() });
  await markSheetWritten(
    context.db,
    context.userId,
    service,
    days.map((day) => day.date),
  );
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
