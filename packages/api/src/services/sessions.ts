import { queryRows, sessions, sql, users, withService } from '@kpi/db';
import type { z } from 'zod';
import { decoyHash, verifyPassword } from '../auth/password.ts';
import { hashSecret, isWellFormedSecret, newSecret, SESSION_PREFIX } from '../auth/secrets.ts';
import type { ApiDeps, Viewer } from '../deps.ts';
import { AppError } from '../errors.ts';
import { loginInput, normalizeEmail } from '../validators/account.ts';
import { notifyCredentialsRevoked } from './credentials-revoked.ts';

export type LoginResult = { viewer: Viewer; sessionToken: string; expiresAt: Date };

/** Checks the password and opens a session; the raw session token exists only in the cookie. */
export async function login(deps: ApiDeps, raw: z.input<typeof loginInput>): Promise<LoginResult> {
  const input = loginInput.parse(raw);
  const email = normalizeEmail(input.email);
  // PostgreSQL text cannot hold a NUL, so no account has one and the lookup would fail (a 500): such an
  // e-mail is an unknown account, checked against the decoy like any other.
  const [account] = email.includes('\u0000')
    ? []
    : await withService(deps.db, (tx) =>
        tx
          .select({
            id: users.id,
            email: users.email,
            role: users.role,
            passwordHash: users.passwordHash,
            disabledAt: users.disabledAt,
          })
          .from(users)
          .where(sql`${users.email} = ${email}`),
      );
  const valid = await verifyPassword(input.password, account?.passwordHash ?? (await decoyHash()));
  if (!account || !valid) throw new AppError('INVALID_CREDENTIALS', 'E-mail or password is wrong');
  // Said only to whoever knows the password: it tells them nothing an attacker could use.
  if (account.disabledAt) throw new AppError('FORBIDDEN', 'This account is disabled; ask an administrator');
  const sessionToken = newSecret(SESSION_PREFIX);
  const expiresAt = new Date(deps.clock().getTime() + deps.settings.sessionTtlSeconds * 1000);
  await withService(deps.db, (tx) =>
    tx.insert(sessions).values({ userId: account.id, tokenHash: hashSecret(sessionToken), expiresAt }),
  );
  return { viewer: { id: account.id, email: account.email, role: account.role }, sessionToken, expiresAt };
}

export async function logout(deps: Pick<ApiDeps, 'db' | 'events'>, sessionToken: string): Promise<void> {
  if (!isWellFormedSecret(sessionToken, SESSION_PREFIX)) return;
  const ended = await withService(deps.db, async (tx) => {
    const rows = await tx
      .delete(sessions)
      .where(sql`${sessions.tokenHash} = ${hashSecret(sessionToken)}`)
      .returning({ userId: sessions.userId });
    for (const row of rows) await notifyCredentialsRevoked(tx, row.userId);
    return rows;
  });
  for (const row of ended) deps.events?.credentialsRevoked?.(row.userId);
}

/** The user behind a session cookie, or undefined for an unknown, expired or malformed one. */
export async function viewerFromSession(deps: Pick<ApiDeps, 'db'>, sessionToken: string): Promise<Viewer | undefined> {
  if (!isWellFormedSecret(sessionToken, SESSION_PREFIX)) return undefined;
  const [row] = await withService(deps.db, (tx) =>
    queryRows<Viewer>(
      tx,
      sql`SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = ${hashSecret(sessionToken)} AND s.expires_at > now() AND u.disabled_at IS NULL`,
    ),
  );
  return row;
}

/** Ends every session of the user, the one making the request included ("sign out everywhere"). */
export async function signOutEverywhere(
  deps: Pick<ApiDeps, 'db' | 'events'>,
  userId: number,
): Promise<{ sessions_ended: number }> {
  const ended = await withService(deps.db, async (tx) => {
    const rows = await queryRows<{ id: string }>(tx, sql`DELETE FROM sessions WHERE user_id = ${userId} RETURNING id`);
    await notifyCredentialsRevoked(tx, userId);
    return rows;
  });
  deps.events?.credentialsRevoked?.(userId);
  return { sessions_ended: ended.length };
}
