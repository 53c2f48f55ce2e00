import { sql } from 'drizzle-orm';
import type { Db, Tx } from './database.ts';

export const ADMIN_ROLE = 'kpi_admin';

/**
 * An administrator's reads: one transaction as kpi_admin, which may read accounts (never their password
 * hashes) and the audit log, and no user's schedules, runs, snapshots, connections, sessions or tokens.
 * The caller has checked that the viewer is an administrator; the role bounds what even a wrong check
 * could expose. The id is set like withTenant's, for the statements that name the acting administrator.
 */
export async function withAdmin<T>(db: Db, adminId: number, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (!Number.isSafeInteger(adminId) || adminId <= 0) throw new TypeError('withAdmin needs a positive integer user id');
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT set_config('role', ${ADMIN_ROLE}, true), set_config('app.current_user_id', ${String(adminId)}, true)`,
    );
    return fn(tx);
  });
}
