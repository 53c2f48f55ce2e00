import { isUniqueViolation, queryRows, sql, withService } from '@kpi/db';
import type { z } from 'zod';
import { hashPassword } from '../auth/password.ts';
import type { ApiDeps, Viewer } from '../deps.ts';
import { AppError } from '../errors.ts';
import { adminUserCreateInput } from '../validators/admin.ts';
import type { AdminUserJson } from '../validators/answers/admin.ts';
import { assertStillAdmin, readAsAdmin } from './admin-access.ts';
import { recordAudit } from './audit-log.ts';

export type AdminUserRow = {
  id: number;
  email: string;
  role: 'admin' | 'user';
  disabled_at: Date | null;
  created_at: Date;
  must_change_password: boolean;
};

/** The columns kpi_admin may read: the admin pages never see a password hash. */
export const ADMIN_USER_COLUMNS = sql`id, email, role, disabled_at, created_at, must_change_password`;

export function toAdminUserJson(row: AdminUserRow): AdminUserJson {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    disabled: row.disabled_at !== null,
    created_at: new Date(row.created_at).toISOString(),
    must_change_password: row.must_change_password,
  };
}

/** Every account, oldest first, read as kpi_admin. */
export async function listAdminUsers(deps: Pick<ApiDeps, 'db'>, admin: Viewer): Promise<AdminUserJson[]> {
  const rows = await readAsAdmin(deps, admin, (tx) =>
    queryRows<AdminUserRow>(tx, sql`SELECT ${ADMIN_USER_COLUMNS} FROM users ORDER BY id`),
  );
  return rows.map(toAdminUserJson);
}

/** Creates an account for an administrator and logs it, in one transaction. */
export async function createAdminUser(
  deps: Pick<ApiDeps, 'db' | 'clock'>,
  admin: Viewer,
  raw: z.input<typeof adminUserCreateInput>,
): Promise<AdminUserJson> {
  const input = adminUserCreateInput.parse(raw);
  const passwordHash = await hashPassword(input.password);
  try {
    return await withService(deps.db, async (tx) => {
      await assertStillAdmin(tx, admin);
      const [row] = await queryRows<AdminUserRow>(
        tx,
        sql`INSERT INTO users (email, password_hash, role) VALUES (${input.email}, ${passwordHash}, ${input.role})
            RETURNING ${ADMIN_USER_COLUMNS}`,
      );
      if (!row) throw new Error('insert returned no row');
      await recordAudit(tx, {
        actor: admin,
        action: 'user.create',
        targetUserId: row.id,
        details: { email: row.email, role: row.role },
        at: deps.clock(),
      });
      return toAdminUserJson(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('CONFLICT', `A user with e-mail ${input.email} already exists`);
    throw error;
  }
}
