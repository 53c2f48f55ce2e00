import { computeNextRun } from '@kpi/cron';
import { queryRows, sql, type Tx, withService } from '@kpi/db';
import { hashPassword } from '../auth/password.ts';
import type { ApiDeps, Viewer } from '../deps.ts';
import { AppError } from '../errors.ts';
import { type AdminUserUpdateInput, adminUserUpdateInput } from '../validators/admin.ts';
import type { AdminUserJson } from '../validators/answers/admin.ts';
import { ADMIN_USER_COLUMNS, type AdminUserRow, toAdminUserJson } from './admin-users.ts';
import { recordAudit } from './audit-log.ts';
import { notifyCredentialsRevoked } from './credentials-revoked.ts';

/**
 * An administrator changes an account: role, disabled, password. Everything happens in one transaction
 * with its audit entries, and after it the user's cached credentials are forgotten on every instance
 * (a demoted admin must not keep admin rights for the cache's TTL) and the scheduler re-reads the
 * schedules that were switched off or on.
 */
export async function updateAdminUser(
  deps: Pick<ApiDeps, 'db' | 'clock' | 'events'>,
  admin: Viewer,
  raw: AdminUserUpdateInput,
): Promise<AdminUserJson> {
  const input = adminUserUpdateInput.parse(raw);
  // Hashed before the transaction: its row locks are not held through 50-100 ms of scrypt.
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  const now = deps.clock();
  const { user, schedules, credentialsChanged } = await withService(deps.db, async (tx) => {
    // The enabled administrators are locked first, in id order, whatever the change. Two admins demoting
    // or disabling each other at once therefore queue here, and the second re-reads the rows after the
    // first committed: it sees one administrator left and is refused. Same order everywhere: no deadlock.
    const admins = await queryRows<{ id: number }>(
      tx,
      sql`SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`,
    );
    // The actor must still be one of them: demoted or disabled a moment ago (by the other side of a race,
    // or on another instance whose viewer cache had not caught up), it may change nothing.
    if (!admins.some((row) => row.id === admin.id)) throw new AppError('FORBIDDEN', 'Only administrators may do this');
    const [target] = await queryRows<AdminUserRow>(
      tx,
      sql`SELECT ${ADMIN_USER_COLUMNS} FROM users WHERE id = ${input.id} FOR UPDATE`,
    );
    if (!target) throw new AppError('NOT_FOUND', `User ${input.id} not found`);
    const disabling = input.disabled === true && target.disabled_at === null;
    const enabling = input.disabled === false && target.disabled_at !== null;
    const newRole = input.role !== undefined && input.role !== target.role ? input.role : undefined;
    const removesAnAdmin = target.role === 'admin' && target.disabled_at === null && (disabling || newRole === 'user');
    if (removesAnAdmin && !admins.some((row) => row.id !== target.id)) {
      throw new AppError('CONFLICT', 'At least one enabled administrator must remain; make another user an administrator first', {
        reason: 'last_admin',
      });
    }
    const audit = (action: Parameters<typeof recordAudit>[1]['action'], details: Record<string, unknown>) =>
      recordAudit(tx, { actor: admin, action, targetUserId: target.id, details, at: now });
    const touched: number[] = [];
    if (newRole) {
      await tx.execute(sql`UPDATE users SET role = ${newRole} WHERE id = ${target.id}`);
      await audit('user.role', { from: target.role, to: newRole });
    }
    if (passwordHash) {
      await tx.execute(
        sql`UPDATE users SET password_hash = ${passwordHash}, must_change_password = true WHERE id = ${target.id}`,
      );
      await audit('user.password_reset', { sessions_ended: await endSessions(tx, target.id) });
    }
    if (disabling) {
      await tx.execute(sql`UPDATE users SET disabled_at = ${now} WHERE id = ${target.id}`);
      const sessionsEnded = await endSessions(tx, target.id);
      const parked = await parkSchedules(tx, target.id, now);
      touched.push(...parked);
      const runsSkipped = await skipQueuedRuns(tx, target.id, now);
      await audit('user.disable', { sessions_ended: sessionsEnded, schedules_parked: parked.length, runs_skipped: runsSkipped });
    }
    if (enabling) {
      await tx.execute(sql`UPDATE users SET disabled_at = NULL WHERE id = ${target.id}`);
      const restored = await restoreSchedules(tx, target.id, now);
      touched.push(...restored);
      await audit('user.enable', { schedules_restored: restored.length });
    }
    const changed = Boolean(newRole || passwordHash || disabling || enabling);
    if (changed) await notifyCredentialsRevoked(tx, target.id);
    const [row] = await queryRows<AdminUserRow>(tx, sql`SELECT ${ADMIN_USER_COLUMNS} FROM users WHERE id = ${target.id}`);
    if (!row) throw new Error('the locked user row disappeared');
    return { user: toAdminUserJson(row), schedules: touched, credentialsChanged: changed };
  });
  if (credentialsChanged) deps.events?.credentialsRevoked?.(user.id);
  for (const id of schedules) deps.events?.scheduleChanged?.(id);
  return user;
}

async function endSessions(tx: Tx, userId: number): Promise<number> {
  return (await queryRows(tx, sql`DELETE FROM sessions WHERE user_id = ${userId} RETURNING id`)).length;
}

/** Switches the user's enabled schedules off and marks them, so enabling the user restores exactly these. */
async function parkSchedules(tx: Tx, userId: number, now: Date): Promise<number[]> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`UPDATE job_schedules SET enabled = false, next_run_at = NULL, parked_at = ${now}, updated_at = ${now}
        WHERE user_id = ${userId} AND enabled RETURNING id`,
  );
  return rows.map((row) => Number(row.id));
}

/** Queued runs of a disabled user never start (a running one finishes). */
async function skipQueuedRuns(tx: Tx, userId: number, now: Date): Promise<number> {
  const rows = await queryRows(
    tx,
    sql`UPDATE job_runs SET status = 'skipped', finished_at = ${now}, updated_at = ${now},
               error = 'the account was disabled before the run started', error_class = 'Skipped'
        WHERE user_id = ${userId} AND status = 'queued' RETURNING id`,
  );
  return rows.length;
}

/**
 * Switches the parked schedules back on with their next fire after now: fires missed while the user was
 * disabled are not caught up (the account was off on purpose, not down).
 */
async function restoreSchedules(tx: Tx, userId: number, now: Date): Promise<number[]> {
  const parked = await queryRows<{ id: string; cron_expression: string; timezone: string }>(
    tx,
    sql`SELECT id, cron_expression, timezone FROM job_schedules WHERE user_id = ${userId} AND parked_at IS NOT NULL FOR UPDATE`,
  );
  for (const schedule of parked) {
    const nextRunAt = computeNextRun(schedule.cron_expression, schedule.timezone, now);
    await tx.execute(
      sql`UPDATE job_schedules SET enabled = true, next_run_at = ${nextRunAt}, parked_at = NULL, updated_at = ${now}
          WHERE id = ${schedule.id}`,
    );
  }
  return parked.map((row) => Number(row.id));
}
