import { isUniqueViolation, queryRows, sql, users, withService } from '@kpi/db';
import type { z } from 'zod';
import { hashPassword } from '../auth/password.ts';
import type { ApiDeps, Viewer } from '../deps.ts';
import { AppError } from '../errors.ts';
import { createUserInput, normalizeEmail } from '../validators/account.ts';

/** Creates an account (CLI, first start, admin tooling). E-mail addresses are stored lower-cased. */
export async function createUser(deps: Pick<ApiDeps, 'db'>, raw: z.input<typeof createUserInput>): Promise<Viewer> {
  const input = createUserInput.parse(raw);
  const passwordHash = await hashPassword(input.password);
  try {
    const [row] = await withService(deps.db, (tx) =>
      tx
        .insert(users)
        .values({ email: input.email, passwordHash, role: input.role })
        .returning({ id: users.id, email: users.email, role: users.role }),
    );
    if (!row) throw new Error('insert returned no row');
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('CONFLICT', `A user with e-mail ${input.email} already exists`);
    throw error;
  }
}

export async function countUsers(deps: Pick<ApiDeps, 'db'>): Promise<number> {
  const [row] = await withService(deps.db, (tx) =>
    queryRows<{ count: number }>(tx, sql`SELECT count(*)::int AS count FROM users`),
  );
  return row?.count ?? 0;
}

export async function findUserByEmail(deps: Pick<ApiDeps, 'db'>, email: string): Promise<Viewer | undefined> {
  const [row] = await withService(deps.db, (tx) =>
    tx
      .select({ id: users.id, email: users.email, role: users.role })
      .from(users)
      .where(sql`${users.email} = ${normalizeEmail(email)}`),
  );
  return row;
}
