import { sql } from 'drizzle-orm';
import type { Db, Tx } from './database.ts';
import { SERVICE_ROLE, TENANT_ROLE } from './schema/tenant.ts';

/**
 * The only way tenant code touches the database: one transaction in which the role is the tenant role
 * and `app.current_user_id` is the user, both transaction-local (`set_config(..., true)` is the function
 * form of SET LOCAL), so a pooled connection never carries one user's identity into the next request.
 * The id travels as a bound parameter. Both settings go in one statement: one round trip, not two.
 */
export async function withTenant<T>(db: Db, userId: number, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new TypeError('withTenant needs a positive integer user id');
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT set_config('role', ${TENANT_ROLE}, true), set_config('app.current_user_id', ${String(userId)}, true)`,
    );
    return fn(tx);
  });
}

/**
 * System work that spans users (auth lookups by secret hash, the scheduler's claims). It runs as the
 * service role, whose policies allow every row; no tenant code path may call it.
 */
export async function withService<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('role', ${SERVICE_ROLE}, true), set_config('app.current_user_id', '', true)`);
    return fn(tx);
  });
}
