import { type ConnectionView, connections, eq, SERVICES, type Service, sql, tenantConnectionColumns, withTenant } from '@kpi/db';
import { credentialKindsOf, providerOf } from '@kpi/sources';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { ConnectionJson, ConnectionTestJson } from '../validators/answers/connections.ts';
import { queueFirstConnectBackfill } from './backfill.ts';
import { accountIdFor, type ConnectionUpsertInput, connectionUpsertInput, secretOf } from './connections-input.ts';
import { connectorsOf, type ObtainedCredential, requireSealing } from './connections-port.ts';
import { resumeSchedulesPausedFor } from './resume-paused.ts';

export type { ConnectionJson };

const iso = (value: Date | null) => value?.toISOString() ?? null;

function toJson(deps: ApiDeps, service: Service, row: ConnectionView | undefined): ConnectionJson {
  const oauth = deps.connectors?.oauth;
  const actions = row?.settings.conversionActionTypes;
  return {
    service,
    mode: row ? 'live' : 'sample',
    account_id: row?.accountId ?? null,
    credential_kind: row?.credentialKind ?? null,
    // `secret` is NOT NULL and the tenant may not read it: every saved connection has one.
    has_secret: Boolean(row),
    status: row?.status ?? null,
    last_checked_at: iso(row?.lastCheckedAt ?? null),
    last_error: row?.lastError ?? null,
    token_expires_at: iso(row?.tokenExpiresAt ?? null),
    conversion_action_types: Array.isArray(actions) ? actions.map(String) : null,
    timezone: row?.timezone ?? null,
    updated_at: iso(row?.updatedAt ?? null),
    oauth_available: oauth?.providers.includes(providerOf(service)) ?? false,
  };
}

/** One entry per service, connected or not. */
export async function listConnections(deps: ApiDeps, userId: number): Promise<ConnectionJson[]> {
  const rows = await withTenant(deps.db, userId, (tx) => tx.select(tenantConnectionColumns).from(connections));
  return SERVICES.map((service) =>
    toJson(
      deps,
      service,
      rows.find((row) => row.service === service),
    ),
  );
}

export async function upsertConnection(deps: ApiDeps, userId: number, raw: ConnectionUpsertInput): Promise<ConnectionJson> {
  const input = connectionUpsertInput.parse(raw);
  const { service } = input;
  const accountId = accountIdFor(service, input.account_id);
  const credential = input.credential;
  const kinds = credentialKindsOf(service);
  if (credential && !kinds.includes(credential.kind)) {
    throw new AppError('VALIDATION_ERROR', `${service} takes credential.kind ${kinds.join(' or ')}`, {
      field: 'credential.kind',
    });
  }
  const obtained = credential ? { kind: credential.kind, secret: secretOf(credential), tokenExpiresAt: null } : undefined;
  return saveConnection(deps, userId, service, accountId, obtained, input.conversion_action_types);
}

/**
 * Saves a connection from a pasted credential or an OAuth flow: both end in the same stored shape. A new
 * credential resumes the schedules paused because the source refused the previous one.
 */
export async function saveConnection(
  deps: ApiDeps,
  userId: number,
  service: Service,
  accountId: string,
  credential: ObtainedCredential | undefined,
  conversionActionTypes?: string[],
): Promise<ConnectionJson> {
  const port = connectorsOf(deps);
  const settings = conversionActionTypes ? { conversionActionTypes } : {};
  let backfillRunId: number | null = null;
  let resumed: number[] = [];
  const row = await withTenant(deps.db, userId, async (tx) => {
    if (!credential) {
      const [updated] = await tx
        .update(connections)
        .set({ accountId, timezone: null, ...(conversionActionTypes ? { settings } : {}), updatedAt: sql`now()` })
        .where(eq(connections.service, service))
        .returning(tenantConnectionColumns);
      if (!updated)
        throw new AppError('VALIDATION_ERROR', 'credential is required for a new connection', { field: 'credential' });
      return updated;
    }
    requireSealing(port);
    const secret = port.sealConnection(userId, service, credential.secret);
    const values = {
      accountId,
      credentialKind: credential.kind,
      secret,
      status: 'ok' as const,
      lastError: null,
      lastCheckedAt: null,
      // A new credential may reach another account: its zone is learned again by the next test or sync.
      timezone: null,
      tokenExpiresAt: credential.tokenExpiresAt,
      updatedAt: sql`now()`,
    };
    const [existing] = await tx.select({ id: connections.id }).from(connections).where(eq(connections.service, service));
    const [saved] = await tx
      .insert(connections)
      .values({ userId, service, ...values, settings })
      .onConflictDoUpdate({
        target: [connections.userId, connections.service],
        set: { ...values, ...(conversionActionTypes ? { settings } : {}) },
      })
      .returning(tenantConnectionColumns);
    // A source's first connection fetches its recent history too, not only the days from now on.
    if (!existing) backfillRunId = await queueFirstConnectBackfill(tx, deps, userId, service);
    resumed = await resumeSchedulesPausedFor(tx, 'needs_reauth', deps.clock(), service);
    return saved;
  });
  if (backfillRunId !== null) deps.events?.runQueued?.(backfillRunId);
  for (const id of resumed) deps.events?.scheduleChanged?.(id);
  deps.log.info(
    { event: 'connection-saved', userId, service, credentialKind: row?.credentialKind, resumedSchedules: resumed },
    'connection saved',
  );
  return toJson(deps, service, row);
}

/** Removes the connection: the service goes back to sample data. */
export async function removeConnection(deps: ApiDeps, userId: number, service: Service): Promise<ConnectionJson> {
  const [row] = await withTenant(deps.db, userId, (tx) =>
    tx.delete(connections).where(eq(connections.service, service)).returning(tenantConnectionColumns),
  );
  if (!row) throw new AppError('NOT_FOUND', `No ${service} connection to remove`);
  deps.log.info({ event: 'connection-removed', userId, service }, 'connection removed');
  return toJson(deps, service, undefined);
}

export async function testConnection(deps: ApiDeps, userId: number, service: Service): Promise<ConnectionTestJson> {
  const result = await connectorsOf(deps).testConnection(deps.db, userId, service);
  if (!result) throw new AppError('NOT_FOUND', `No ${service} connection to test: save one first`);
  const [row] = await withTenant(deps.db, userId, (tx) =>
    tx.select(tenantConnectionColumns).from(connections).where(eq(connections.service, service)),
  );
  return { ...result, connection: toJson(deps, service, row) };
}
