import { queryRows, sql, withService } from '@kpi/db';
import type { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { hashSecret, isWellFormedSecret, SESSION_PREFIX } from '../auth/secrets.ts';
import type { ApiDeps, PasswordGuard } from '../deps.ts';
import { AppError } from '../errors.ts';
import { changePasswordInput } from '../validators/account.ts';
import { notifyCredentialsRevoked } from './credentials-revoked.ts';

/** The account flags the UI needs besides who the viewer is. */
export async function accountFlags(deps: Pick<ApiDeps, 'db'>, userId: number): Promise<{ must_change_password: boolean }> {
  const [row] = await withService(deps.db, (tx) =>
    queryRows<{ must_change_password: boolean }>(tx, sql`SELECT must_change_password FROM users WHERE id = ${userId}`),
  );
  return { must_change_password: row?.must_change_password ?? false };
}

/**
 * Changes the viewer's password after checking the current one, clears must_change_password, and ends
 * every other session of the user (the one making the change, when it is a session, stays signed in).
 * Whoever learnt the old password may already hold a session: changing it must sign them out.
 */
export async function changePassword(
  deps: Pick<ApiDeps, 'db' | 'events'>,
  viewer: { id: number; email: string },
  raw: z.input<typeof changePasswordInput>,
  options: { currentSessionToken?: string; guard?: PasswordGuard; clientKey?: string } = {},
): Promise<{ sessions_ended: number }> {
  const input = changePasswordInput.parse(raw);
  // Reserved before the hash is checked, as a sign-in is: parallel guesses cannot outrun the limit.
  const attempt = await options.guard?.reserve(options.clientKey ?? 'unknown', viewer.email);
  const [account] = await withService(deps.db, (tx) =>
    queryRows<{ password_hash: string }>(tx, sql`SELECT password_hash FROM users WHERE id = ${viewer.id}`),
  );
  if (!account) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  if (!(await verifyPassword(input.current_password, account.password_hash))) {
    // 400, not 401: the caller is signed in, and the UI treats a 401 as "session over".
    throw new AppError('VALIDATION_ERROR', 'The current password is wrong', { field: 'current_password' });
  }
  await attempt?.succeeded();
  if (input.new_password === input.current_password) {
    throw new AppError('VALIDATION_ERROR', 'The new password must differ from the current one', { field: 'new_password' });
  }
  const passwordHash = await hashPassword(input.new_password);
  const keep =
    options.currentSessionToken && isWellFormedSecret(options.currentSessionToken, SESSION_PREFIX)
      ? hashSecret(options.currentSessionToken)
      : '';
  const ended = await withService(deps.db, async (tx) => {
    await tx.execute(sql`UPDATE users SET password_hash = ${passwordHash}, must_change_password = false WHERE id = ${viewer.id}`);
    await notifyCredentialsRevoked(tx, viewer.id);
    return queryRows<{ id: string }>(
      tx,
      sql`DELETE FROM sessions WHERE user_id = ${viewer.id} AND token_hash <> ${keep} RETURNING id`,
    );
  });
  deps.events?.credentialsRevoked?.(viewer.id);
  return { sessions_ended: ended.length };
}
