import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ARTIFACTS_DIR, REPO_ROOT, TSX } from './paths.ts';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export type RunningServer = { baseUrl: string; stop: () => Promise<void> };

/** Starts apps/server (main.ts, the real entry point) and waits until /readyz says it is ready. */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const logPath = join(ARTIFACTS_DIR, 'server.log');
  const log = createWriteStream(logPath);
  const port = await freePort();
  const child: ChildProcess = spawn(TSX, ['apps/server/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    // Its own process group, so stopping it also stops tsx's child.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`${baseUrl}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) break;
    const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 250))]);
    if (gone || Date.now() > deadline) {
      if (!gone) process.kill(-(child.pid as number), 'SIGKILL');
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
      throw new Error(`the server did not become ready (${gone ? 'it exited' : 'timeout'}); log tail:\n${tail}`);
    }
  }

  return {
    baseUrl,
    stop: async () => {
      if (child.exitCode !== null) return;
      process.kill(-(child.pid as number), 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
      if (!stopped) process.kill(-(child.pid as number), 'SIGKILL');
      log.end();
    },
  };
}

/** Creates a user with the project's CLI (`pnpm cli user:create`), against the same database. */
export async function createUser(databaseUrl: string, email: string, password: string): Promise<{ id: number; email: string }> {
  const { stdout } = await run(TSX, ['apps/server/src/cli.ts', 'user:create', '--email', email, '--password', password], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}
