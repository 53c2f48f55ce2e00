import { type Db, sql, withService } from '@kpi/db';
import type { Logger } from 'pino';

// Every 5 s; the fleet page counts an instance alive while its last beat is under 30 s old
// (INSTANCE_ALIVE_MS), so one or two missed beats (a slow database) do not drop it.
export const HEARTBEAT_INTERVAL_MS = 5_000;
// Rows of instances that stopped without deleting theirs (killed, crashed) are kept a day, then purged.
const STALE_AFTER = '1 day';

/** One beat: this instance's row is upserted and instances silent for a day are forgotten. */
export async function beat(db: Db, instance: { id: string; startedAt: Date }, now: Date): Promise<void> {
  await withService(db, async (tx) => {
    await tx.execute(
      sql`INSERT INTO scheduler_instances (id, started_at, last_seen_at) VALUES (${instance.id}, ${instance.startedAt}, ${now})
          ON CONFLICT (id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at`,
    );
    await tx.execute(sql`DELETE FROM scheduler_instances WHERE last_seen_at < ${now}::timestamptz - ${STALE_AFTER}::interval`);
  });
}

/**
 * Beats now and every `intervalMs` for a running scheduler instance; `stop` deletes the row, so a clean
 * shutdown leaves the fleet page at once. A failed beat is logged and the next one retries.
 */
export function startHeartbeat(options: {
  db: Db;
  instanceId: string;
  clock: () => Date;
  log: Pick<Logger, 'warn'>;
  intervalMs?: number;
}): { stop: () => Promise<void>; beat: () => Promise<void> } {
  const instance = { id: options.instanceId, startedAt: options.clock() };
  let running: Promise<void> | undefined;
  const once = () => {
    running ??= beat(options.db, instance, options.clock())
      .catch((error: unknown) => options.log.warn({ event: 'heartbeat-failed', err: error }, 'instance heartbeat failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void once(), options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();
  void once();
  return {
    beat: once,
    stop: async () => {
      clearInterval(timer);
      await running;
      await withService(options.db, (tx) => tx.execute(sql`DELETE FROM scheduler_instances WHERE id = ${instance.id}`)).catch(
        (error: unknown) => options.log.warn({ event: 'heartbeat-stop-failed', err: error }, 'could not remove the instance row'),
      );
    },
  };
}
