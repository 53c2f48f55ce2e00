import { createHash, randomBytes } from 'node:crypto';
import { eq, lte, oauthStates, sql, withService, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';

/** How long a started OAuth flow may take: the provider's consent page and the way back. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** Flows one user may have open at once; starting more forgets the oldest. Bounds the table per user. */
const OPEN_FLOWS_PER_USER = 10;

const hashState = (state: string) => createHash('sha256').update(state).digest('hex');

/**
 * A new `state` for an OAuth flow, recorded for this user until its callback or expiry. Expired rows of
 * every user are deleted on the way (an index range scan), so the table holds only open flows.
 */
export async function issueOAuthState(
  deps: Pick<ApiDeps, 'db' | 'clock'>,
  userId: number,
): Promise<{ state: string; expiresAt: Date }> {
  const now = deps.clock();
  const state = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + OAUTH_STATE_TTL_MS);
  await withService(deps.db, (tx) => tx.delete(oauthStates).where(lte(oauthStates.expiresAt, now)));
  await withTenant(deps.db, userId, async (tx) => {
    await tx.insert(oauthStates).values({ stateHash: hashState(state), userId, expiresAt });
    await tx.execute(
      sql`DELETE FROM oauth_states WHERE state_hash IN (
            SELECT state_hash FROM oauth_states ORDER BY expires_at DESC, state_hash OFFSET ${OPEN_FLOWS_PER_USER})`,
    );
  });
  return { state, expiresAt };
}

/**
 * Consumes the state of a callback: true exactly once per issued state, for its user, before it expires.
 * One DELETE ... RETURNING decides it, so two callbacks racing with the same state cannot both win.
 */
export async function consumeOAuthState(deps: Pick<ApiDeps, 'db' | 'clock'>, userId: number, state: string): Promise<boolean> {
  const [row] = await withTenant(deps.db, userId, (tx) =>
    tx
      .delete(oauthStates)
      .where(eq(oauthStates.stateHash, hashState(state)))
      .returning({ expiresAt: oauthStates.expiresAt }),
  );
  const expiresAt = row ? row.expiresAt.getTime() : Number.NaN;
  return expiresAt > deps.clock().getTime();
}
