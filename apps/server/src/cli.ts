import { parseArgs } from 'node:util';
import { AppError, createApiToken, createUser, findUserByEmail } from '@kpi/api';
import { applyMigrations, openDatabase } from '@kpi/db';
import { ZodError } from 'zod';
import { loadConfig } from './config.ts';

const USAGE = `usage:
  pnpm cli user:create --email E --password P [--admin]   prints {"id":N,"email":"E"}
  pnpm cli token:create --email E --name NAME             prints {"token":"..."} (shown only this once)
Uses DATABASE_URL when set, else the embedded database in DATA_DIR (stop the server first: PGlite is single-process).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    await applyMigrations(database);
    const deps = { db: database.db };
    if (command === 'user:create') {
      const user = await createUser(deps, {
        email: values.email ?? '',
        password: values.password ?? '',
        role: values.admin ? 'admin' : 'user',
      });
      process.stdout.write(`${JSON.stringify({ id: user.id, email: user.email })}\n`);
      return 0;
    }
    if (command === 'token:create') {
      const user = await findUserByEmail(deps, values.email ?? '');
      if (!user) throw new AppError('NOT_FOUND', `No user with e-mail ${values.email ?? '(none given)'}`);
      const { token } = await createApiToken(deps, user.id, { name: values.name ?? 'cli' });
      process.stdout.write(`${JSON.stringify({ token })}\n`);
      return 0;
    }
    process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
    return 2;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ZodError
        ? error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ')
        : error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  },
);
