#!/usr/bin/env node
// The README's test command: lint, types, unit + database suites (PGlite and PostgreSQL), browser e2e.
// Each missing prerequisite is said in one plain line; with CI=true it is a failure, never a silent pass.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import pg from 'pg';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const testDatabaseUrl =
  process.env.TEST_DATABASE_URL ?? `postgres://${process.env.PGUSER ?? userInfo().username}@127.0.0.1:5432/postgres`;
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const only = process.argv.slice(2);
const wants = (step) => only.length === 0 || only.includes(step);

function run(title, command, args, env = {}) {
  console.log(`\n== ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const hasPostgres = await postgresReachable();
if (!hasPostgres) {
  if (ci) {
    console.error(`PostgreSQL at ${testDatabaseUrl} is not reachable, and CI requires it.`);
    process.exit(1);
  }
  console.log(
    `PostgreSQL at ${testDatabaseUrl} is not reachable: running the embedded (PGlite) suites only; the PostgreSQL suites are NOT run.`,
  );
}
const testEnv = { TEST_DATABASE_URL: testDatabaseUrl, KPI_TEST_POSTGRES: hasPostgres ? '1' : '0' };

if (wants('lint')) {
  run('lint', 'pnpm', ['exec', 'biome', 'check', '.']);
  // docker-compose.yml must stay valid; the v2 plugin or the v1 binary can check it without an engine.
  const compose = [
    { command: 'docker', probe: ['compose', 'version'], check: ['compose', 'config', '--quiet'] },
    { command: 'docker-compose', probe: ['version'], check: ['config', '-q'] },
  ].find(({ command, probe }) => spawnSync(command, probe, { stdio: 'ignore' }).status === 0);
  if (compose) run('compose file', compose.command, compose.check);
  else if (ci) {
    console.error('Neither `docker compose` nor `docker-compose` is installed, and CI checks docker-compose.yml.');
    process.exit(1);
  } else console.log('docker compose is not installed: docker-compose.yml is NOT checked.');
}
if (wants('types')) run('typecheck', 'pnpm', ['exec', 'tsc', '-p', 'tsconfig.json', '--noEmit']);
if (wants('unit')) run('unit and database tests', 'pnpm', ['exec', 'vitest', 'run'], testEnv);
if (wants('e2e')) {
  if (!existsSync(chromium)) {
    if (ci) {
      console.error(`Chromium not found at ${chromium}, and CI requires the browser suite.`);
      process.exit(1);
    }
    console.log(
      `Chromium not found at ${chromium}: the browser (e2e) suite is NOT run. Install it with: apt-get install -y chromium`,
    );
  } else if (!hasPostgres) {
    console.log('The browser (e2e) suite runs against PostgreSQL, which is not reachable: it is NOT run.');
  } else if (existsSync('e2e/playwright.config.ts')) {
    run('web build', 'pnpm', ['--filter', '@kpi/web', 'build']);
    run('browser tests', 'pnpm', ['--filter', '@kpi/e2e', 'exec', 'playwright', 'test'], { ...testEnv, CHROMIUM_PATH: chromium });
  }
}
console.log('\nAll requested test steps passed.');
