import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { createDatabase } from './support/database.ts';
import { startFakes } from './support/fakes.ts';
import { REPO_ROOT } from './support/paths.ts';
import { createUser, startServer } from './support/server.ts';
import { USERS } from './support/users.ts';

const WEB_INPUTS = [
  'apps/web/src',
  'apps/web/index.html',
  'apps/web/vite.config.ts',
  'packages/cron/src',
  'packages/api/src/validators',
];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Builds the SPA unless apps/web/dist is newer than its sources (scripts/test.mjs has just built it). */
function ensureWebBuild(): void {
  const index = join(REPO_ROOT, 'apps/web/dist/index.html');
  const sources = Math.max(...WEB_INPUTS.map((input) => newestMtime(join(REPO_ROOT, input))));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync('pnpm', ['--filter', '@kpi/web', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/**
 * One real server for the whole run: a fresh PostgreSQL database, apps/server's main.ts (HTTP, scheduler
 * and the built SPA), and the test users made with the CLI. The returned function is the teardown.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) throw new Error(`Chromium not found at ${chromium}: apt-get install -y chromium`);
  ensureWebBuild();

  const database = await createDatabase();
  // The Meta, GA4, Shopify and Sheets APIs, faked on loopback: the server's connectors talk to these.
  const fakes = await startFakes();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer({
      ...fakes.env,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
      ADMIN_EMAIL: 'admin@e2e.test',
      ADMIN_PASSWORD: 'admin-password-1',
      LOGIN_MAX_ATTEMPTS: '1000',
      SHUTDOWN_GRACE_SECONDS: '2',
      // The default minimum interval (60 s) stays: the invalid-cron test relies on the server refusing more often.
      SCHEDULE_MIN_INTERVAL_SECONDS: '60',
      // The notifications spec's webhook receiver listens on http://127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    // Beside the running server, as an operator would: the CLI finds the schema current and migrates
    // nothing (re-running the files once deadlocked with the server's scheduler here).
    for (const user of Object.values(USERS)) await createUser(database.url, user.email, user.password);
  } catch (error) {
    await server?.stop();
    await fakes.stop();
    await database.drop();
    throw error;
  }
  // Workers start after global setup and inherit this.
  process.env.E2E_BASE_URL = server.baseUrl;
  process.env.E2E_FAKES_URL = fakes.controlUrl;

  return async () => {
    await server?.stop();
    await fakes.stop();
    await database.drop();
  };
}
