import { type ApiTokenView, apiTokens, queryRows, sql, tenantApiTokenColumns, withService, withTenant } from '@kpi/db';
import type { z } from 'zod';
import { API_TOKEN_PREFIX, hashSecret, isWellFormedSecret, newSecret } from '../auth/secrets.ts';
import type { ApiDeps, Viewer } from '../deps.ts';
import { AppError } from '../errors.ts';
import { tokenCreateInput } from '../validators/account.ts';
import type { ApiTokenJson, TokenCreatedJson } from '../validators/answers/account.ts';
import { notifyCredentialsRevoked } from './credentials-revoked.ts';

export type { ApiTokenJson };

export const DEFAULT_MAX_API_TOKENS_PER_USER = 50;

// Keys the per-user advisory lock that serialises token creation (the first half of the two-int key).
const TOKEN_CAP_LOCK = 727_274_101;

/**
 * Creates a token; the raw value is returned this once and only its hash is stored. A user holds at
 * most `maxApiTokensPerUser` active tokens: every token is a row and a credential to check, so an
 * unbounded count is storage and auth-cache growth one account can cause. Count and insert run under a
 * per-user transaction-level advisory lock, so parallel creates cannot all pass the count.
 */
export async function createApiToken(
  deps: Pick<ApiDeps, 'db'> & { settings?: Pick<ApiDeps['settings'], 'maxApiTokensPerUser'> },
  userId: number,
  raw: z.input<typeof tokenCreateInput>,
): Promise<TokenCreatedJson> {
  const input = tokenCreateInput.parse(raw);
  const cap = deps.settings?.maxApiTokensPerUser ?? DEFAULT_MAX_API_TOKENS_PER_USER;
  const token = newSecret(API_TOKEN_PREFIX);
  const [row] = await withTenant(deps.db, userId, async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${TOKEN_CAP_LOCK}, ${userId})`);
    const [held] = await queryRows<{ count: number }>(
      tx,
      sql`SELECT count(*)::int AS count FROM api_tokens WHERE revoked_at IS NULL`,
    );
    if ((held?.count ?? 0) >= cap) {
      throw new AppError('CONFLICT', `You already have ${cap} active API tokens, the most allowed; revoke one first`, {
        limit: cap,
      });
    }
    return tx
      .insert(apiTokens)
      .values({ userId, name: input.name, prefix: token.slice(0, API_TOKEN_PREFIX.length + 6), tokenHash: hashSecret(token) })
      .returning(tenantApiTokenColumns);
  });
  if (!row) throw new Error('insert returned no row');
  return { token, apiToken: toApiTokenJson(row) };
}

export async function listApiTokens(deps: Pick<ApiDeps, 'db'>, userId: number): Promise<ApiTokenJson[]> {
  const rows = await withTenant(deps.db, userId, (tx) => tx.select(tenantApiTokenColumns).from(apiTokens).orderBy(apiTokens.id));
  return rows.map(toApiTokenJson);
}

/**
 * Revokes one of the user's tokens. The tenant role has no UPDATE on api_tokens (it could clear
 * revoked_at or swap token_hash), so this runs as the service role and the WHERE names the user:
 * another user's id is "not found", as RLS would make it.
 */
export async function revokeApiToken(deps: Pick<ApiDeps, 'db' | 'events'>, userId: number, id: number): Promise<ApiTokenJson> {
  // As the tenant: row-level security keeps the user to their own tokens even if this WHERE were wrong.
  // The tenant may write only revoked_at, and 0010's trigger lets it move only from NULL to now().
  const [row] = await withTenant(deps.db, userId, async (tx) => {
    const rows = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`COALESCE(${apiTokens.revokedAt}, now())` })
      .where(sql`${apiTokens.id} = ${id} AND ${apiTokens.userId} = ${userId}`)
      .returning(tenantApiTokenColumns);
    if (rows.length > 0) await notifyCredentialsRevoked(tx, userId);
    return rows;
  });
  if (!row) throw new AppError('NOT_FOUND', `API token ${id} not found`);
  deps.events?.credentialsRevoked?.(userId);
  return toApiTokenJson(row);
}

/**
 * The user behind a bearer token, or undefined. One statement: look up by hash, and note the use at
 * most once a minute so that a busy client does not turn every read into a write.
 */
export async function viewerFromApiToken(deps: Pick<ApiDeps, 'db'>, token: string): Promise<Viewer | undefined> {
  if (!isWellFormedSecret(token, API_TOKEN_PREFIX)) return undefined;
  const [row] = await withService(deps.db, (tx) =>
    queryRows<Viewer>(
      tx,
      sql`WITH t AS (
            SELECT id, user_id, last_used_at FROM api_tokens
            WHERE token_hash = ${hashSecret(token)} AND revoked_at IS NULL
          ), touched AS (
            UPDATE api_tokens SET last_used_at = now() FROM t
            WHERE api_tokens.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '60 seconds')
          )
          SELECT u.id, u.email, u.role FROM t JOIN users u ON u.id = t.user_id WHERE u.disabled_at IS NULL`,
    ),
  );
  return row;
}

function toApiTokenJson(row: ApiTokenView): ApiTokenJson {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}
