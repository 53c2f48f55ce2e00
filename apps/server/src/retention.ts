import { type Db, queryRows, type SQL, sql, withService } from '@kpi/db';
import type { Logger } from 'pino';

export const RETENTION_BATCH_SIZE = 1_000;
// Hourly is enough: what accrues in an hour is a few batches, and the first pass runs at start.
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

type PurgedTable = 'job_runs' | 'sessions' | 'api_tokens' | 'notification_events';

export type PurgeCounts = { runs: number; sessions: number; revokedTokens: number; notifications: number };

/**
 * One batch of one table: the ids are picked with FOR UPDATE SKIP LOCKED, so instances purging at the
 * same time take disjoint batches instead of waiting on each other, and a statement never holds more
 * than `batchSize` row locks. Each batch is its own short transaction.
 */
async function deleteBatch(db: Db, table: PurgedTable, where: SQL, batchSize: number) {
  const rows = await withService(db, (tx) =>
    queryRows<{ id: string }>(
      tx,
      sql`DELETE FROM ${sql.identifier(table)} WHERE id IN (
            SELECT id FROM ${sql.identifier(table)} WHERE ${where} LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
          ) RETURNING id`,
    ),
  );
  return rows.length;
}

async function drain(db: Db, table: PurgedTable, where: SQL, batchSize: number, signal?: AbortSignal) {
  let total = 0;
  for (;;) {
    // Shutdown stops between batches: what is left waits for the next start, no batch is cut off.
    if (signal?.aborted) return total;
    const deleted = await deleteBatch(db, table, where, batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
    // Let requests in between batches: a purge of a large backlog must not queue ahead of them.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Deletes what nobody needs any more, in batches: finished runs (succeeded, failed, skipped; never a
 * queued or running one) created more than `retentionDays` before `now`, expired sessions, and tokens
 * revoked more than `retentionDays` ago (a revoked token never authenticates again; its row is history),
 * and notification events as old with no message still pending (their deliveries go with them).
 */
export async function purgeExpired(
  db: Db,
  options: { now: Date; retentionDays: number; batchSize?: number; signal?: AbortSignal },
): Promise<PurgeCounts> {
  const batchSize = options.batchSize ?? RETENTION_BATCH_SIZE;
  const cutoff = new Date(options.now.getTime() - options.retentionDays * 86_400_000);
  const runs = await drain(
    db,
    'job_runs',
    sql`status IN ('succeeded', 'failed', 'skipped') AND created_at < ${cutoff}`,
    batchSize,
    options.signal,
  );
  const sessions = await drain(db, 'sessions', sql`expires_at < ${options.now}`, batchSize, options.signal);
  const revokedTokens = await drain(db, 'api_tokens', sql`revoked_at < ${cutoff}`, batchSize, options.signal);
  const notifications = await drain(
    db,
    'notification_events',
    sql`created_at < ${cutoff} AND NOT EXISTS (SELECT 1 FROM notification_deliveries d
          WHERE d.event_id = notification_events.id AND d.status = 'pending')`,
    batchSize,
    options.signal,
  );
  return { runs, sessions, revokedTokens, notifications };
}

/**
 * Runs `purgeExpired` now and every `intervalMs`; safe with several instances (see deleteBatch). `stop`
 * ends the pass in flight after its current batch and resolves when it has: a first pass over a large
 * backlog can outlast a shutdown's other steps, and closing the database under it fails its batch.
 */
export function startRetention(options: {
  db: Db;
  log: Pick<Logger, 'info' | 'warn'>;
  clock: () => Date;
  retentionDays: number;
  intervalMs?: number;
  batchSize?: number;
}): { stop: () => Promise<void>; pass: () => Promise<PurgeCounts | undefined> } {
  let running: Promise<PurgeCounts | undefined> | undefined;
  const stopped = new AbortController();
  const pass = () => {
    running ??= purgeExpired(options.db, {
      now: options.clock(),
      retentionDays: options.retentionDays,
      batchSize: options.batchSize,
      signal: stopped.signal,
    })
      .then((counts) => {
        if (counts.runs + counts.sessions + counts.revokedTokens + counts.notifications > 0) {
          options.log.info({ event: 'retention-purged', ...counts, retentionDays: options.retentionDays }, 'purged old rows');
        }
        return counts;
      })
      .catch((error: unknown) => {
        options.log.warn({ event: 'retention-failed', err: error }, 'retention purge failed; next pass retries');
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void pass(), options.intervalMs ?? RETENTION_INTERVAL_MS);
  timer.unref();
  void pass();
  return {
    stop: async () => {
      clearInterval(timer);
      stopped.abort();
      await running;
    },
    pass,
  };
}
