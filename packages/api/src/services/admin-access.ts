import { queryRows, sql, type Tx, withAdmin } from '@kpi/db';
import type { ApiDeps, Viewer } from '../deps.ts';
import { AppError } from '../errors.ts';

/**
 * Refuses, inside the transaction, an actor that is no longer an enabled administrator: the server's
 * check used a viewer resolved a moment earlier (and maybe cached), the database has the current role.
 */
export async function assertStillAdmin(tx: Tx, admin: Viewer): Promise<void> {
  const [row] = await queryRows(
    tx,
    sql`SELECT 1 FROM users WHERE id = ${admin.id} AND role = 'admin' AND disabled_at IS NULL FOR SHARE`,
  );
  if (!row) throw new AppError('FORBIDDEN', 'Only administrators may do this');
}

/** An administrator's reads: as kpi_admin, after checking the actor is still one. */
export function readAsAdmin<T>(deps: Pick<ApiDeps, 'db'>, admin: Viewer, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withAdmin(deps.db, admin.id, async (tx) => {
    const [row] = await queryRows(tx, sql`SELECT 1 FROM users WHERE id = ${admin.id} AND role = 'admin' AND disabled_at IS NULL`);
    if (!row) throw new AppError('FORBIDDEN', 'Only administrators may do this');
    return fn(tx);
  });
}
