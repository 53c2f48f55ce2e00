import { type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from './database.ts';
import { postgresPathsOf, withBeginPrelude } from './postgres-paths.ts';
import { preparedRows } from './rows.ts';
import { SERVICE_ROLE, TENANT_ROLE } from './schema/tenant.ts';

/**
 * The only way tenant code touches the database: one transaction in which the role is the tenant role
 * and `app.current_user_id` is the user, both transaction-local (`set_config(..., true)` is the function
 * form of SET LOCAL), so a pooled connection never carries one user's identity into the next request.
 * Both settings are one statement; on node-postgres it travels with BEGIN in one simple query (one round
 * trip for the three), which takes no parameters: the id is written as digits, after the check below
 * proved it a positive integer. On PGlite it is a statement of its own, with the id as a bound parameter.
 */
export async function withTenant<T>(db: Db, userId: number, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new TypeError('withTenant needs a positive integer user id');
  if (postgresPathsOf(db)) {
    const prelude = `SELECT set_config('role', '${TENANT_ROLE}', true), set_config('app.current_user_id', '${userId}', true)`;
    return withBeginPrelude(prelude, () => db.transaction(fn));
  }
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT set_config('role', ${TENANT_ROLE}, true), set_config('app.current_user_id', ${String(userId)}, true)`,
    );
    return fn(tx);
  });
}

/**
 * System work that spans users (auth lookups by secret hash, the scheduler's claims). It runs as the
 * service role, whose policies allow every row; no tenant code path may call it. On node-postgres it
 * runs on the service role's own connections, so the transaction needs no role switch.
 */
export async function withService<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const paths = postgresPathsOf(db);
  if (paths) return paths.serviceDb.transaction(fn);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('role', ${SERVICE_ROLE}, true), set_config('app.current_user_id', '', true)`);
    return fn(tx);
  });
}

/**
 * One statement of system work, atomic by itself, so it gets no transaction: on node-postgres a single
 * round trip on the service role's connections, as the prepared statement `name` (parsed and planned
 * once per connection). A name stands for one SQL text; the same name with another text is an error.
 */
export async function serviceQuery<T>(db: Db, name: string, statement: SQL): Promise<T[]> {
  const paths = postgresPathsOf(db);
  if (paths) return preparedRows<T>(paths.serviceDb, name, statement);
  return withService(db, (tx) => preparedRows<T>(tx, name, statement));
}
