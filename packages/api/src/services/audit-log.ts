import { queryRows, type SQL, sql, type Tx } from '@kpi/db';
import type { ApiDeps, Viewer } from '../deps.ts';
import { type AuditListInput, auditListInput } from '../validators/admin.ts';
import type { AuditAction, AuditEntryJson, AuditPageJson } from '../validators/answers/admin.ts';
import { readAsAdmin } from './admin-access.ts';

/**
 * Appends one entry, inside the transaction that makes the change: an action is logged exactly when it
 * happened. `details` says what changed (a role, counts), never a password or a hash.
 */
export async function recordAudit(
  tx: Tx,
  entry: { actor: Viewer; action: AuditAction; targetUserId: number; details?: Record<string, unknown>; at: Date },
): Promise<void> {
  await tx.execute(
    sql`INSERT INTO admin_audit_log (at, actor_id, actor_email, action, target_user_id, details)
        VALUES (${entry.at}, ${entry.actor.id}, ${entry.actor.email}, ${entry.action}, ${entry.targetUserId},
                ${JSON.stringify(entry.details ?? {})}::jsonb)`,
  );
}

type AuditRow = {
  id: string;
  at: Date;
  actor_id: number | null;
  actor_email: string;
  action: AuditAction;
  target_user_id: number | null;
  details: Record<string, unknown>;
};

/** The audit log, newest first, a page at a time (keyset on id). Read as kpi_admin. */
export async function listAudit(deps: Pick<ApiDeps, 'db'>, admin: Viewer, raw: AuditListInput): Promise<AuditPageJson> {
  const input = auditListInput.parse(raw);
  const older: SQL = input.cursor ? sql`WHERE id < ${input.cursor}` : sql``;
  const rows = await readAsAdmin(deps, admin, (tx) =>
    queryRows<AuditRow>(
      tx,
      sql`SELECT id, at, actor_id, actor_email, action, target_user_id, details FROM admin_audit_log ${older}
          ORDER BY id DESC LIMIT ${input.limit + 1}`,
    ),
  );
  const page = rows.slice(0, input.limit).map(toAuditEntryJson);
  const last = page[page.length - 1];
  return { items: page, nextCursor: rows.length > input.limit && last ? last.id : null };
}

function toAuditEntryJson(row: AuditRow): AuditEntryJson {
  return {
    id: Number(row.id),
    at: new Date(row.at).toISOString(),
    actor_id: row.actor_id,
    actor_email: row.actor_email,
    action: row.action,
    target_user_id: row.target_user_id,
    details: row.details,
  };
}
