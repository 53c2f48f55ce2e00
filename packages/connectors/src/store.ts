import {
  and,
  type Connection,
  type ConnectionStatus,
  type CredentialKind,
  connections,
  type Db,
  eq,
  type Service,
  type SheetDestination,
  sheetDestinations,
  sql,
  withService,
  withTenant,
} from '@kpi/db';
import { ConnectorError, type Target } from './errors.ts';
import { connectionAad, type SecretBox, SecretsUnavailableError, sheetAad } from './secrets.ts';

/** A credential opened for use: its kind, the decrypted secret, and when its cached access token expires. */
export type CredentialState = { kind: CredentialKind; secret: Record<string, unknown>; tokenExpiresAt: Date | null };
/** Saves a refreshed credential (sealed again) at once: a rotated refresh token must never be lost. */
export type PersistCredential = (update: { secret: Record<string, unknown>; tokenExpiresAt: Date | null }) => Promise<void>;

export type OpenedConnection = { row: Connection; credential: CredentialState; persist: PersistCredential };
export type OpenedSheet = { row: SheetDestination; credential: CredentialState; persist: PersistCredential };

// The sealed secret is readable by the service role only (the tenant role has no SELECT on `secret`).
// So the row is first found as the tenant, where row-level security decides whose row it is, and only
// then read whole, by its primary key, as the service role: a wrong user id in application code can
// never reach another user's secret. Every write below stays a tenant transaction.
export async function loadConnection(db: Db, userId: number, service: Service): Promise<Connection | undefined> {
  const [own] = await withTenant(db, userId, (tx) =>
    tx.select({ id: connections.id }).from(connections).where(eq(connections.service, service)),
  );
  if (!own) return undefined;
  const [row] = await withService(db, (tx) =>
    tx
      .select()
      .from(connections)
      .where(and(eq(connections.id, own.id), eq(connections.userId, userId))),
  );
  return row;
}

export async function loadSheet(db: Db, userId: number): Promise<SheetDestination | undefined> {
  const [own] = await withTenant(db, userId, (tx) => tx.select({ id: sheetDestinations.id }).from(sheetDestinations));
  if (!own) return undefined;
  const [row] = await withService(db, (tx) =>
    tx
      .select()
      .from(sheetDestinations)
      .where(and(eq(sheetDestinations.id, own.id), eq(sheetDestinations.userId, userId))),
  );
  return row;
}

export function openConnection(db: Db, box: SecretBox | undefined, row: Connection): OpenedConnection {
  const aad = connectionAad(row.userId, row.service);
  const credential = openCredential(box, row.secret, aad, row.credentialKind, row.tokenExpiresAt, 'source');
  const persist: PersistCredential = async (update) => {
    const sealed = (box as SecretBox).seal(update.secret, aad);
    await withTenant(db, row.userId, (tx) =>
      tx
        .update(connections)
        .set({ secret: sealed, tokenExpiresAt: update.tokenExpiresAt, updatedAt: sql`now()` })
        .where(eq(connections.id, row.id)),
    );
    credential.secret = update.secret;
    credential.tokenExpiresAt = update.tokenExpiresAt;
  };
  return { row, credential, persist };
}

export function openSheet(db: Db, box: SecretBox | undefined, row: SheetDestination): OpenedSheet {
  const aad = sheetAad(row.userId);
  const credential = openCredential(box, row.secret, aad, row.credentialKind, row.tokenExpiresAt, 'sheet');
  const persist: PersistCredential = async (update) => {
    const sealed = (box as SecretBox).seal(update.secret, aad);
    await withTenant(db, row.userId, (tx) =>
      tx
        .update(sheetDestinations)
        .set({ secret: sealed, tokenExpiresAt: update.tokenExpiresAt, updatedAt: sql`now()` })
        .where(eq(sheetDestinations.id, row.id)),
    );
    credential.secret = update.secret;
    credential.tokenExpiresAt = update.tokenExpiresAt;
  };
  return { row, credential, persist };
}

function openCredential(
  box: SecretBox | undefined,
  sealed: string,
  aad: string,
  kind: CredentialKind,
  tokenExpiresAt: Date | null,
  target: Target,
): CredentialState {
  if (!box)
    throw new ConnectorError(
      'The server has no SECRETS_KEY, so saved credentials cannot be read; ask the operator to set it',
      'config',
      target,
    );
  try {
    return { kind, secret: box.open(sealed, aad), tokenExpiresAt };
  } catch (error) {
    const reason = error instanceof SecretsUnavailableError ? error.message : 'the saved credential could not be decrypted';
    throw new ConnectorError(`${reason}; save the credential again`, 'config', target);
  }
}

/**
 * Records the outcome of a run or a test on the connection: status, when it was checked, the error if
 * any, and the source's zone when the call learned it.
 */
export async function markConnection(
  db: Db,
  userId: number,
  service: Service,
  outcome: { status?: ConnectionStatus; error: string | null; timezone?: string },
): Promise<void> {
  await withTenant(db, userId, (tx) =>
    tx
      .update(connections)
      .set({
        ...(outcome.status ? { status: outcome.status } : {}),
        ...(outcome.timezone ? { timezone: outcome.timezone } : {}),
        lastError: outcome.error,
        lastCheckedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(connections.service, service)),
  );
}

export async function markSheet(
  db: Db,
  userId: number,
  outcome: { status?: ConnectionStatus; error: string | null },
): Promise<void> {
  await withTenant(db, userId, (tx) =>
    tx
      .update(sheetDestinations)
      .set({
        ...(outcome.status ? { status: outcome.status } : {}),
        lastError: outcome.error,
        lastCheckedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(sql`true`),
  );
}
