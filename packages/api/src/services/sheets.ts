import { type Service, type SheetDestinationView, sheetDestinations, sql, tenantSheetColumns, withTenant } from '@kpi/db';
import { DEFAULT_TABS } from '@kpi/sources';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { SheetJson, SheetRemovedJson, SheetTestJson } from '../validators/answers/connections.ts';
import { type SheetUpsertInput, secretOf, sheetUpsertInput } from './connections-input.ts';
import { connectorsOf, type ObtainedCredential, requireSealing } from './connections-port.ts';
import { resumeSchedulesPausedFor } from './resume-paused.ts';

export type { SheetJson };

function toJson(deps: ApiDeps, row: SheetDestinationView): SheetJson {
  const oauth = deps.connectors?.oauth;
  return {
    spreadsheet_id: row.spreadsheetId,
    url: `https://docs.google.com/spreadsheets/d/${row.spreadsheetId}/edit`,
    tabs: { ...DEFAULT_TABS, ...row.tabs },
    credential_kind: row.credentialKind,
    // `secret` is NOT NULL and the tenant may not read it: a saved destination always has one.
    has_secret: true,
    status: row.status,
    last_checked_at: row.lastCheckedAt?.toISOString() ?? null,
    last_error: row.lastError,
    updated_at: row.updatedAt.toISOString(),
    oauth_available: oauth?.providers.includes('google') ?? false,
  };
}

export async function getSheet(deps: ApiDeps, userId: number): Promise<SheetJson | null> {
  const [row] = await withTenant(deps.db, userId, (tx) => tx.select(tenantSheetColumns).from(sheetDestinations));
  return row ? toJson(deps, row) : null;
}

export async function upsertSheet(deps: ApiDeps, userId: number, raw: SheetUpsertInput): Promise<SheetJson> {
  const input = sheetUpsertInput.parse(raw);
  if (input.credential?.kind === 'access_token') {
    throw new AppError('VALIDATION_ERROR', 'Google Sheets takes credential.kind oauth_refresh or service_account', {
      field: 'credential.kind',
    });
  }
  const credential = input.credential
    ? { kind: input.credential.kind, secret: secretOf(input.credential), tokenExpiresAt: null }
    : undefined;
  return saveSheet(deps, userId, input.spreadsheet_id, input.tabs, credential);
}

/**
 * Saves the destination from a pasted credential or the Google OAuth flow (same stored shape). A new
 * credential resumes the schedules paused because the Sheet refused the previous one.
 */
export async function saveSheet(
  deps: ApiDeps,
  userId: number,
  spreadsheetId: string,
  tabs: Partial<Record<Service, string>> | undefined,
  credential: ObtainedCredential | undefined,
): Promise<SheetJson> {
  const port = connectorsOf(deps);
  let resumed: number[] = [];
  const row = await withTenant(deps.db, userId, async (tx) => {
    if (!credential) {
      const [updated] = await tx
        .update(sheetDestinations)
        .set({ spreadsheetId, ...(tabs ? { tabs } : {}), updatedAt: sql`now()` })
        .where(sql`true`)
        .returning(tenantSheetColumns);
      if (!updated)
        throw new AppError('VALIDATION_ERROR', 'credential is required for a new Sheets destination', { field: 'credential' });
      return updated;
    }
    if (credential.kind === 'access_token')
      throw new AppError('VALIDATION_ERROR', 'Google Sheets needs a refresh token or a service-account key');
    requireSealing(port);
    const values = {
      spreadsheetId,
      credentialKind: credential.kind,
      secret: port.sealSheet(userId, credential.secret),
      status: 'ok' as const,
      lastError: null,
      lastCheckedAt: null,
      tokenExpiresAt: credential.tokenExpiresAt,
      updatedAt: sql`now()`,
    };
    const [saved] = await tx
      .insert(sheetDestinations)
      .values({ userId, ...values, tabs: tabs ?? {} })
      .onConflictDoUpdate({ target: sheetDestinations.userId, set: { ...values, ...(tabs ? { tabs } : {}) } })
      .returning(tenantSheetColumns);
    resumed = await resumeSchedulesPausedFor(tx, 'destination_reauth', deps.clock());
    return saved;
  });
  if (!row) throw new Error('upsert returned no row');
  for (const id of resumed) deps.events?.scheduleChanged?.(id);
  deps.log.info({ event: 'sheet-saved', userId, credentialKind: row.credentialKind }, 'sheets destination saved');
  return toJson(deps, row);
}

export async function removeSheet(deps: ApiDeps, userId: number): Promise<SheetRemovedJson> {
  const [row] = await withTenant(deps.db, userId, (tx) =>
    tx.delete(sheetDestinations).where(sql`true`).returning({ id: sheetDestinations.id }),
  );
  if (!row) throw new AppError('NOT_FOUND', 'No Sheets destination to remove');
  return { removed: true };
}

export async function testSheet(deps: ApiDeps, userId: number): Promise<SheetTestJson> {
  const result = await connectorsOf(deps).testSheet(deps.db, userId);
  if (!result) throw new AppError('NOT_FOUND', 'No Sheets destination to test: save one first');
  const sheet = await getSheet(deps, userId);
  return { ...result, sheet: sheet as SheetJson };
}
