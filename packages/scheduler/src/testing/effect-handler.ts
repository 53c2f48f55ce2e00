import { type Db, SERVICES, type Service, sql } from '@kpi/db';
import type { HandlerRegistry, SyncContext, SyncHandler } from '../handlers/types.ts';

/**
 * A handler with one visible side effect and no payload: each execution upserts the row of its run in
 * `handler_effects` (run_id primary key, executions counted on conflict). Tests of the engine read the
 * table to prove that a run's effect happened once, whatever crashed around it.
 */
export async function createEffectsTable(db: Db): Promise<void> {
  await db.execute(sql`CREATE TABLE IF NOT EXISTS handler_effects (
    run_id bigint PRIMARY KEY, user_id integer NOT NULL, service text NOT NULL, scheduled_for timestamptz NOT NULL,
    executions integer NOT NULL DEFAULT 1)`);
}

export function effectHandler(service: Service, db: Db): SyncHandler {
  return {
    source: 'test',
    sample: false,
    async run(context: SyncContext) {
      // The owner connection writes: the table is the test's, outside the tenant and service roles' grants.
      await db.execute(sql`INSERT INTO handler_effects (run_id, user_id, service, scheduled_for)
        VALUES (${context.runId}, ${context.userId}, ${service}, ${context.scheduledFor})
        ON CONFLICT (run_id) DO UPDATE SET executions = handler_effects.executions + 1`);
      return { effect: context.runId };
    },
  };
}

export function effectRegistry(db: Db): HandlerRegistry {
  return new Map(SERVICES.map((service) => [service, effectHandler(service, db)]));
}
