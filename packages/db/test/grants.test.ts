import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, sql, sqlState, withService, withTenant } from '../src/index.ts';

// The attacker here is SQL injected into a tenant transaction: it runs as kpi_tenant with the user's
// id set, and tries to read what it must not (hashes, sealed secrets) or to change a token.
describe.each(BACKENDS)('column grants of the tenant role on %s', (backend) => {
  let database: TestDatabase;
  let alice: number;

  const asAlice = (statement: ReturnType<typeof sql>) => withTenant(database.db, alice, (tx) => queryRows(tx, statement));
  const denied = (statement: ReturnType<typeof sql>) =>
    expect(asAlice(statement)).rejects.toSatisfy((error) => sqlState(error) === '42501');

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const [row] = await withService(database.db, (tx) =>
      queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO users (email, password_hash) VALUES ('alice@example.test', 'scrypt$x') RETURNING id`,
      ),
    );
    alice = row!.id;
    await withService(database.db, async (tx) => {
      await tx.execute(
        sql`INSERT INTO api_tokens (user_id, name, prefix, token_hash, revoked_at) VALUES (${alice}, 'old', 'kpi_a', repeat('a', 64), now())`,
      );
      await tx.execute(
        sql`INSERT INTO connections (user_id, service, account_id, credential_kind, secret) VALUES (${alice}, 'meta', '1', 'access_token', 'v1.sealed')`,
      );
      await tx.execute(
        sql`INSERT INTO sheet_destinations (user_id, spreadsheet_id, credential_kind, secret) VALUES (${alice}, 's', 'oauth_refresh', 'v1.sealed')`,
      );
      await tx.execute(
        sql`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (${alice}, repeat('b', 64), now() + interval '1 hour')`,
      );
    });
  });
  afterAll(() => database?.dispose());

  it('cannot read password_hash, token or session hashes, or sealed secrets of its own rows', async () => {
    await denied(sql`SELECT password_hash FROM users`);
    await denied(sql`SELECT * FROM users`);
    await denied(sql`SELECT token_hash FROM api_tokens`);
    await denied(sql`SELECT token_hash FROM sessions`);
    await denied(sql`SELECT secret FROM connections`);
    await denied(sql`SELECT secret FROM sheet_destinations`);
    // Not through a WHERE or RETURNING either: a condition on a column needs SELECT on it.
    await denied(sql`SELECT id FROM connections WHERE secret LIKE 'v1.%'`);
    await denied(sql`DELETE FROM connections WHERE service = 'meta' RETURNING secret`);
  });

  it('cannot UPDATE or DELETE its tokens: a revoked token stays revoked, a hash cannot be swapped', async () => {
    await denied(sql`UPDATE api_tokens SET token_hash = repeat('c', 64)`);
    await denied(sql`UPDATE api_tokens SET revoked_at = NULL`);
    await denied(sql`UPDATE api_tokens SET revoked_at = now() - interval '1 day'`);
    await denied(sql`DELETE FROM api_tokens`);
    const [token] = await withService(database.db, (tx) =>
      queryRows<{ revoked: boolean; token_hash: string }>(
        tx,
        sql`SELECT revoked_at IS NOT NULL AS revoked, token_hash FROM api_tokens WHERE user_id = ${alice}`,
      ),
    );
    expect(token).toEqual({ revoked: true, token_hash: 'a'.repeat(64) });
  });

  it('may revoke its own live token, and only as of now', async () => {
    await withService(database.db, (tx) =>
      tx.execute(
        sql`INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES (${alice}, 'live', 'kpi_l', repeat('d', 64))`,
      ),
    );
    const [revoked] = await asAlice(
      sql`UPDATE api_tokens SET revoked_at = now() + interval '1 year' WHERE name = 'live' RETURNING revoked_at <= now() AS now_or_before`,
    );
    expect(revoked).toEqual({ now_or_before: true });
    await denied(sql`UPDATE api_tokens SET revoked_at = NULL WHERE name = 'live'`);
    await withService(database.db, (tx) => tx.execute(sql`DELETE FROM api_tokens WHERE name = 'live'`));
  });

  it('cannot create a temporary table (no session state left on a pooled connection)', async () => {
    await denied(sql`CREATE TEMP TABLE stash (v text)`);
    await expect(withService(database.db, (tx) => tx.execute(sql`CREATE TEMP TABLE stash (v text)`))).rejects.toSatisfy(
      (error) => sqlState(error) === '42501',
    );
  });

  it('still does what the tenant code paths need: list tokens and connections, insert a token, save a secret', async () => {
    expect(await asAlice(sql`SELECT id, email, role, created_at, must_change_password FROM users`)).toHaveLength(1);
    expect(await asAlice(sql`SELECT id, name, prefix, revoked_at, last_used_at FROM api_tokens`)).toHaveLength(1);
    expect(
      await asAlice(
        sql`INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES (${alice}, 'new', 'kpi_b', repeat('d', 64)) RETURNING id`,
      ),
    ).toHaveLength(1);
    expect(
      await asAlice(sql`UPDATE connections SET secret = 'v1.resealed' WHERE service = 'meta' RETURNING id, status`),
    ).toHaveLength(1);
    expect(await asAlice(sql`SELECT id, account_id, status FROM connections`)).toHaveLength(1);
  });
});
