import { queryRows, sql, sqlState, type Tx, withAdmin } from '@kpi/db';
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

// SQLSTATE of `set_config('role', ...)` naming a role the cluster does not have.
const NO_SUCH_ROLE = '22023';

/**
 * An administrator's reads: as kpi_admin, after checking the actor is still one. Where a plain owner
 * login could not create kpi_admin (drizzle/0014_admin.sql), the answer is a 503 that says what to run.
 */
export async function readAsAdmin<T>(deps: Pick<ApiDeps, 'db'>, admin: Viewer, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await withAdmin(deps.db, admin.id, async (tx) => {
      const [row] = await queryRows(
        tx,
        sql`SELECT 1 FROM users WHERE id = ${admin.id} AND role = 'admin' AND disabled_at IS NULL`,
      );
      if (!row) throw new AppError('FORBIDDEN', 'Only administrators may do this');
      return fn(tx);
    });
  } catch (error) {
    if (sqlState(error) !== NO_SUCH_ROLE) throw error;
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'The database has no kpi_admin role yet: a DBA runs drizzle/bootstrap/superuser.psql once, then the server restarts',
    );
  }
}
