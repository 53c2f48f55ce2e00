import { connections, queryRows, sheetDestinations, sql, sqlState, withService, withTenant } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Each policy of the two connector tables, allowed and denied (the guard lists in packages/db/test/rls.test.ts
// and tenant-isolation.test.ts belong to their owners and need these tables and procedures added).
describe.each(BACKENDS)('row-level security of connections and sheet_destinations on %s', (backend) => {
  let database: TestDatabase;
  let alice: number;
  let bob: number;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const rows = await withService(database.db, (tx) =>
      queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO users (email, password_hash) VALUES ('a@rls.test', 'x'), ('b@rls.test', 'x') RETURNING id`,
      ),
    );
    [alice, bob] = rows.map((row) => row.id) as [number, number];
    for (const userId of [alice, bob]) {
      await withTenant(database.db, userId, async (tx) => {
        await tx
          .insert(connections)
          .values({ userId, service: 'meta', accountId: String(userId), credentialKind: 'access_token', secret: 'v1.x.y' });
        await tx
          .insert(sheetDestinations)
          .values({ userId, spreadsheetId: `sheet-${userId}`, credentialKind: 'oauth_refresh', secret: 'v1.x.y' });
      });
    }
  });
  afterAll(() => database?.dispose());

  it('FORCE row-level security is on for both tables', async () => {
    const tables = await queryRows<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      database.db,
      sql`SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname IN ('connections', 'sheet_destinations') ORDER BY relname`,
    );
    expect(tables).toEqual([
      { relname: 'connections', relrowsecurity: true, relforcerowsecurity: true },
      { relname: 'sheet_destinations', relrowsecurity: true, relforcerowsecurity: true },
    ]);
  });

  for (const table of ['connections', 'sheet_destinations'] as const) {
    const t = sql.identifier(table);
    it(`${table}: a tenant reads and changes only their own row`, async () => {
      const seen = await withTenant(database.db, bob, (tx) => queryRows<{ user_id: number }>(tx, sql`SELECT user_id FROM ${t}`));
      expect(seen.map((row) => row.user_id)).toEqual([bob]);
      const updated = await withTenant(database.db, bob, (tx) =>
        queryRows(tx, sql`UPDATE ${t} SET status = 'error' WHERE user_id = ${alice} RETURNING id`),
      );
      expect(updated).toHaveLength(0);
      const deleted = await withTenant(database.db, bob, (tx) =>
        queryRows(tx, sql`DELETE FROM ${t} WHERE user_id = ${alice} RETURNING id`),
      );
      expect(deleted).toHaveLength(0);
      await expect(
        withTenant(database.db, bob, (tx) => tx.execute(sql`UPDATE ${t} SET user_id = ${alice} WHERE user_id = ${bob}`)),
      ).rejects.toSatisfy((error) => sqlState(error) === '42501');
      const own = await withTenant(database.db, alice, (tx) =>
        queryRows(tx, sql`UPDATE ${t} SET status = 'ok' WHERE user_id = ${alice} RETURNING id`),
      );
      expect(own).toHaveLength(1);
    });

    it(`${table}: the tenant role with no user set sees nothing (fail-closed); the service role sees all`, async () => {
      const unset = await database.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('role', 'kpi_tenant', true)`);
        return queryRows(tx, sql`SELECT id FROM ${t}`);
      });
      expect(unset).toHaveLength(0);
      const all = await withService(database.db, (tx) => queryRows(tx, sql`SELECT id FROM ${t}`));
      expect(all).toHaveLength(2);
    });
  }

  it('a tenant cannot insert a connection for another user', async () => {
    await expect(
      withTenant(database.db, bob, (tx) =>
        tx
          .insert(connections)
          .values({ userId: alice, service: 'ga4', accountId: '1', credentialKind: 'oauth_refresh', secret: 'v1.x.y' }),
      ),
    ).rejects.toSatisfy((error) => sqlState(error) === '42501');
  });
});
