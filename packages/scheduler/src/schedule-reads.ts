import { type Db, queryRows, sql, withService } from '@kpi/db';

/** Enabled schedules and their next fire, in pages by id (start-up and full reconcile). */
export async function loadEnabledSchedules(
  db: Db,
  afterId: number,
  limit: number,
): Promise<Array<{ id: number; nextRunAt: Date | null }>> {
  const rows = await withService(db, (tx) =>
    queryRows<{ id: string; next_run_at: Date | null }>(
      tx,
      sql`SELECT id, next_run_at FROM job_schedules WHERE enabled AND id > ${afterId} ORDER BY id LIMIT ${limit}`,
    ),
  );
  return rows.map((row) => ({ id: Number(row.id), nextRunAt: row.next_run_at ? new Date(row.next_run_at) : null }));
}

/** The current state of given schedules (those that changed): absent or disabled ones come back disabled. */
export async function readSchedules(
  db: Db,
  ids: number[],
): Promise<Array<{ id: number; enabled: boolean; nextRunAt: Date | null }>> {
  if (ids.length === 0) return [];
  const rows = await withService(db, (tx) =>
    queryRows<{ id: string; enabled: boolean; next_run_at: Date | null }>(
      tx,
      sql`SELECT id, enabled, next_run_at FROM job_schedules
          WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    ),
  );
  const found = new Map(rows.map((row) => [Number(row.id), row]));
  return ids.map((id) => {
    const row = found.get(id);
    return { id, enabled: row?.enabled ?? false, nextRunAt: row?.next_run_at ? new Date(row.next_run_at) : null };
  });
}

/** Schedules changed (by a user) since `since`: the periodic reconcile behind LISTEN/NOTIFY. */
export async function changedScheduleIds(db: Db, since: Date): Promise<number[]> {
  const rows = await withService(db, (tx) =>
    queryRows<{ id: string }>(tx, sql`SELECT id FROM job_schedules WHERE updated_at >= ${since}`),
  );
  return rows.map((row) => Number(row.id));
}
