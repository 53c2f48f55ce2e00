import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { TransactionRollbackError } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, queryRows, sql, type Tx } from '../src/index.ts';

// The policies live only in drizzle/*.sql. This reads what a migrated database actually enforces, from
// the catalog, so a table added without RLS, without FORCE or without a fail-closed tenant policy fails
// here whichever migration forgot it.

/** How PostgreSQL prints `<key> = NULLIF(current_setting('app.current_user_id', true), '')::integer`. */
const ownRow = (key: string) => `${key} = (NULLIF(current_setting('app.current_user_id'::text, true), ''::text))::integer`;

function withoutOuterParens(expression: string): string {
  let text = expression.trim();
  while (text.startsWith('(') && text.endsWith(')') && closingParen(text, 0) === text.length - 1) text = text.slice(1, -1).trim();
  return text;
}

function closingParen(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    if (char === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The operands of the expression's top-level boolean operator, and which operator it is. */
function topLevel(expression: string): { operator: 'AND' | 'OR' | null; operands: string[] } {
  const text = withoutOuterParens(expression);
  const operands: string[] = [];
  let operator: 'AND' | 'OR' | null = null;
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    if (char === ')') depth--;
    const word = / (AND|OR) /.exec(text.slice(i, i + 5));
    if (depth === 0 && word?.index === 0) {
      operator = operator === null || operator === word[1] ? (word[1] as 'AND' | 'OR') : 'OR';
      operands.push(text.slice(start, i));
      start = i + word[0].length;
    }
  }
  operands.push(text.slice(start));
  return { operator, operands: operands.map(withoutOuterParens) };
}

/** Fail-closed: the row's key equals the tenant setting, and nothing ORed beside it can widen that. */
function confinesToOwnRows(expression: string, key: string): boolean {
  const { operator, operands } = topLevel(expression);
  return operator !== 'OR' && operands.includes(ownRow(key));
}

type TableRow = { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; has_user_id: boolean };
type PolicyRow = {
  tablename: string;
  policyname: string;
  roles: string;
  cmd: string;
  qual: string | null;
  with_check: string | null;
};

/** Every way the database's row-level security falls short of the rule above; empty when it holds. */
async function rlsFindings(db: Db | Tx): Promise<string[]> {
  const tables = await queryRows<TableRow>(
    db,
    sql`SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped) AS has_user_id
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const policies = await queryRows<PolicyRow>(
    db,
    sql`SELECT tablename, policyname, roles::text AS roles, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public'`,
  );
  const findings: string[] = [];
  for (const table of tables) {
    const name = table.relname;
    if (!table.relrowsecurity) findings.push(`${name}: row-level security not enabled`);
    if (!table.relforcerowsecurity) findings.push(`${name}: row-level security not forced`);
    const tenantPolicies = policies.filter((policy) => policy.tablename === name && /\b(kpi_tenant|public)\b/.test(policy.roles));
    const isTenantTable = table.has_user_id || name === 'users';
    if (!isTenantTable) {
      for (const policy of tenantPolicies)
        findings.push(`${name}: "${policy.policyname}" lets the tenant role into a table with no user_id`);
      continue;
    }
    if (tenantPolicies.length === 0) findings.push(`${name}: no policy for the tenant role`);
    const key = name === 'users' ? 'id' : 'user_id';
    for (const policy of tenantPolicies) {
      const label = `${name}: "${policy.policyname}"`;
      if (policy.roles.includes('public')) findings.push(`${label} applies to PUBLIC, not to kpi_tenant alone`);
      if (policy.cmd === 'INSERT' ? policy.with_check === null : policy.qual === null) findings.push(`${label} has no condition`);
      for (const expression of [policy.qual, policy.with_check]) {
        if (expression !== null && !confinesToOwnRows(expression, key))
          findings.push(`${label} is not confined to ${ownRow(key)}`);
      }
    }
  }
  return findings;
}

describe.each(BACKENDS)('row-level security in the catalog on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(() => database?.dispose());

  it('every table has RLS enabled and forced; every user-owned table has only fail-closed tenant policies', async () => {
    const tenantTables = await queryRows<{ relname: string }>(
      database.db,
      sql`SELECT DISTINCT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id'
          WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    );
    // The catalog walk found the tables the application is built on, so an empty walk cannot pass.
    expect(tenantTables.map((table) => table.relname)).toEqual(
      expect.arrayContaining(['sessions', 'api_tokens', 'job_schedules', 'job_runs', 'kpi_snapshots', 'connections']),
    );
    expect(await rlsFindings(database.db)).toEqual([]);
  });

  it('names a table added without policies, without FORCE, or with a policy that does not confine to the user', async () => {
    // Made and inspected inside one transaction that is rolled back, so the probes never outlive the test.
    let findings: string[] = [];
    await database.db
      .transaction(async (tx) => {
        await tx.execute(sql`CREATE TABLE probe_unguarded (id integer, user_id integer)`);
        await tx.execute(sql`CREATE TABLE probe_unforced (id integer, user_id integer)`);
        await tx.execute(sql`ALTER TABLE probe_unforced ENABLE ROW LEVEL SECURITY`);
        await tx.execute(
          sql`CREATE POLICY "probe own rows" ON probe_unforced FOR SELECT TO kpi_tenant
              USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer)`,
        );
        await tx.execute(sql`CREATE TABLE probe_widened (id integer, user_id integer)`);
        await tx.execute(sql`ALTER TABLE probe_widened ENABLE ROW LEVEL SECURITY`);
        await tx.execute(sql`ALTER TABLE probe_widened FORCE ROW LEVEL SECURITY`);
        await tx.execute(
          sql`CREATE POLICY "probe or anyone" ON probe_widened FOR ALL TO kpi_tenant
              USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer OR id > 0)`,
        );
        await tx.execute(
          sql`CREATE POLICY "probe unset means all" ON probe_widened FOR SELECT TO kpi_tenant
              USING (user_id = current_setting('app.current_user_id')::integer)`,
        );
        await tx.execute(sql`CREATE POLICY "probe public" ON probe_widened FOR SELECT USING (true)`);
        findings = await rlsFindings(tx);
        tx.rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof TransactionRollbackError)) throw error;
      });
    expect(findings.sort()).toEqual(
      [
        'probe_unguarded: row-level security not enabled',
        'probe_unguarded: row-level security not forced',
        'probe_unguarded: no policy for the tenant role',
        'probe_unforced: row-level security not forced',
        `probe_widened: "probe or anyone" is not confined to ${ownRow('user_id')}`,
        `probe_widened: "probe unset means all" is not confined to ${ownRow('user_id')}`,
        'probe_widened: "probe public" applies to PUBLIC, not to kpi_tenant alone',
        `probe_widened: "probe public" is not confined to ${ownRow('user_id')}`,
      ].sort(),
    );
  });
});
