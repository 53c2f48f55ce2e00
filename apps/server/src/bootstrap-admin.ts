import { randomBytes } from 'node:crypto';
import { type ApiDeps, AppError, countUsers, createUser } from '@kpi/api';
import { sql, withService } from '@kpi/db';
import type { Logger } from 'pino';

/**
 * On a database with no users, creates the first administrator, as Grafana and Jenkins do: from
 * ADMIN_EMAIL/ADMIN_PASSWORD when set, else with a random password printed once to the log and
 * must_change_password set.
 */
export async function bootstrapAdmin(
  deps: Pick<ApiDeps, 'db'>,
  log: Logger,
  preset: { email?: string; password?: string },
): Promise<void> {
  if ((await countUsers(deps)) > 0) return;
  const email = preset.email ?? 'admin@localhost.localdomain';
  const password = preset.password ?? randomBytes(12).toString('base64url');
  try {
    const admin = await createUser(deps, { email, password, role: 'admin' });
    if (preset.password) {
      log.info(
        { event: 'admin-created', userId: admin.id, email },
        'created the first administrator from ADMIN_EMAIL/ADMIN_PASSWORD',
      );
    } else {
      // The generated password sits in the log from now on: the UI asks for a new one at first sign-in.
      await withService(deps.db, (tx) => tx.execute(sql`UPDATE users SET must_change_password = true WHERE id = ${admin.id}`));
      // Printed once, on purpose: it is the only way to learn the generated password.
      log.warn(
        { event: 'admin-created', userId: admin.id, email, generatedPassword: password },
        `created the first administrator ${email} with password ${password} - change it or create your own admin with the CLI`,
      );
    }
  } catch (error) {
    // Another instance created it first.
    if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
  }
}
