import { sql, type Tx } from '@kpi/db';

/** The channel on which every instance's viewer cache hears that a user's credentials changed. */
export const CREDENTIALS_REVOKED_CHANNEL = 'kpi_credentials_revoked';

/**
 * Tells every instance, when this transaction commits, to forget what it cached about the user's
 * credentials: without it another instance would keep serving a revoked one for AUTH_CACHE_SECONDS.
 */
export async function notifyCredentialsRevoked(tx: Tx, userId: number): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${CREDENTIALS_REVOKED_CHANNEL}, ${String(userId)})`);
}
