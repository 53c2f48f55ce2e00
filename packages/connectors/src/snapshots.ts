import { type Db, queryRows, type Service, sql, withService } from '@kpi/db';

export type DayFigures = { date: string; metrics: Record<string, number | string> };

/**
 * The one writer of kpi_snapshots: upserts one row per (user, service, date) in one statement. A day
 * whose figures (and source) equal the stored ones is not touched: no new updated_at, no run_id change,
 * and it is not in the answer (whether the Sheet still owes it is sheet_written_at's business). A stored
 * day whose figures changed gets `restated_at`, unless the source itself changed (sample to live).
 * Answers the dates written (new or changed), in date order.
 */
export async function upsertSnapshots(
  db: Db,
  write: { userId: number; service: Service; source: string; runId: number; days: DayFigures[] },
): Promise<string[]> {
  if (write.days.length === 0) return [];
  const rows = await withService(db, (tx) =>
    queryRows<{ date: string }>(
      tx,
      sql`INSERT INTO kpi_snapshots (user_id, service, date, metrics, source, run_id)
          SELECT ${write.userId}, ${write.service}, v.date, v.metrics, ${write.source}, ${write.runId}
          FROM jsonb_to_recordset(${JSON.stringify(write.days)}::jsonb) AS v(date date, metrics jsonb)
          ON CONFLICT (user_id, service, date) DO UPDATE
            SET metrics = EXCLUDED.metrics, source = EXCLUDED.source, run_id = EXCLUDED.run_id, updated_at = now(),
                -- Sample figures replaced by the source's first ones are not a restatement.
                restated_at = CASE WHEN kpi_snapshots.source = EXCLUDED.source THEN now() ELSE kpi_snapshots.restated_at END
            WHERE kpi_snapshots.metrics IS DISTINCT FROM EXCLUDED.metrics
               OR kpi_snapshots.source IS DISTINCT FROM EXCLUDED.source
          RETURNING date::text AS date`,
    ),
  );
  return rows.map((row) => row.date).sort();
}

/** The dates stored for (user, service) between `from` and `to`, both included. */
export async function storedDays(db: Db, userId: number, service: Service, from: string, to: string): Promise<Set<string>> {
  const rows = await withService(db, (tx) =>
    queryRows<{ date: string }>(
      tx,
      sql`SELECT date::text AS date FROM kpi_snapshots
          WHERE user_id = ${userId} AND service = ${service} AND date BETWEEN ${from}::date AND ${to}::date`,
    ),
  );
  return new Set(rows.map((row) => row.date));
}

/** The days of [from, to] whose current figures have not reached the Sheet (changed since, or never written). */
export async function sheetOwedDays(db: Db, userId: number, service: Service, from: string, to: string): Promise<Set<string>> {
  const rows = await withService(db, (tx) =>
    queryRows<{ date: string }>(
      tx,
      sql`SELECT date::text AS date FROM kpi_snapshots
          WHERE user_id = ${userId} AND service = ${service} AND date BETWEEN ${from}::date AND ${to}::date
            AND (sheet_written_at IS NULL OR sheet_written_at < updated_at)`,
    ),
  );
  return new Set(rows.map((row) => row.date));
}

/** Records that the Sheet holds the current figures of these days. */
export async function markSheetWritten(db: Db, userId: number, service: Service, dates: string[]): Promise<void> {
  if (dates.length === 0) return;
  await withService(db, (tx) =>
    tx.execute(sql`UPDATE kpi_snapshots SET sheet_written_at = now()
      WHERE user_id = ${userId} AND service = ${service}
        AND date IN (SELECT value::date FROM jsonb_array_elements_text(${JSON.stringify(dates)}::jsonb))`),
  );
}
