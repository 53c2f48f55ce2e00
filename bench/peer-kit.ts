// What `pnpm bench peers` needs beside its measurements: waiting for a quiet machine, polling until a
// batch is done, and the graphile-worker side of the realistic job.
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Service } from '@kpi/db';
import { Logger as GraphileLogger } from 'graphile-worker';
import { fmt, sleep } from './bench-kit.ts';

/** The 1-minute load average, as printed beside each figure. */
export const currentLoad = () => fmt(loadavg()[0] ?? 0, 2);

/** Waits (at most `waitSeconds`) for the 1-minute load average to fall to `maxLoad`; answers the load then. */
export async function quiet(maxLoad: number, waitSeconds: number): Promise<string> {
  const until = Date.now() + waitSeconds * 1000;
  while ((loadavg()[0] ?? 0) > maxLoad && Date.now() < until) await sleep(1_000);
  return currentLoad();
}

/** Polls `done` every `everyMs` (a throughput figure is read off the poll; a start lag off the rows). */
export async function waitFor(label: string, done: () => Promise<boolean>, timeoutMs = 600_000, everyMs = 20): Promise<void> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${label}: not done after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

// Every realistic run writes the row of this day; the first round inserts, later rounds update.
export const REPORT_DATE = '2023-12-31';

/** The snapshot handler's write as a graphile-worker task: one upsert of the run's (user, service, day) row. */
export async function upsertSnapshot(
  payload: unknown,
  helpers: { query: (text: string, values: unknown[]) => Promise<unknown> },
): Promise<void> {
  const { userId, service } = payload as { userId: number; service: Service };
  const metrics: Record<string, number> = {};
  for (const name of ['first', 'second', 'third']) {
    const digest = createHash('sha256').update(`${userId}:${service}:${REPORT_DATE}:${name}`).digest();
    metrics[name] = Math.round((digest.readUInt32BE(0) / 0xffffffff) * 100_000) / 100;
  }
  await helpers.query(
    `INSERT INTO kpi_snapshots (user_id, service, date, metrics, source) VALUES ($1, $2, $3, $4, 'sample')
     ON CONFLICT (user_id, service, date) DO UPDATE SET metrics = EXCLUDED.metrics, source = EXCLUDED.source, updated_at = now()`,
    [userId, service, REPORT_DATE, JSON.stringify(metrics)],
  );
}

/** graphile-worker's Logger takes a factory of scoped log functions; only errors are worth printing. */
export function silentGraphileLogger(): GraphileLogger {
  return new GraphileLogger(() => (level: string, message: string) => {
    if (level === 'error') console.warn('graphile-worker:', message);
  });
}
