import type { AuditEntry } from '../../lib/api-types.ts';
import { formatDateTime } from '../../lib/time.ts';
import { Empty } from '../layout/states.tsx';

const ACTION_WORDS: Record<AuditEntry['action'], string> = {
  'user.create': 'created',
  'user.disable': 'disabled',
  'user.enable': 'enabled',
  'user.role': 'changed the role of',
  'user.password_reset': 'reset the password of',
};

function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

type Props = {
  entries: AuditEntry[];
  /** Accounts' e-mails by id, to name the target; an account not in it is named by its id. */
  emails?: ReadonlyMap<number, string>;
};

/** Who did what to which account, newest first (`admin.audit`). */
export function AuditLog({ entries, emails }: Props) {
  if (entries.length === 0) return <Empty>No administrator actions yet.</Empty>;
  return (
    <ol className="plain-list audit-log">
      {entries.map((entry) => (
        <li key={entry.id} data-action={entry.action}>
          <time className="muted small" dateTime={entry.at}>
            {formatDateTime(entry.at, undefined, true)}
          </time>{' '}
          <strong>{entry.actor_email ?? 'the system'}</strong> {ACTION_WORDS[entry.action]}
          {entry.target_user_id !== null && <span> {emails?.get(entry.target_user_id) ?? `user #${entry.target_user_id}`}</span>}
          {detailsText(entry.details) && <span className="block small muted">{detailsText(entry.details)}</span>}
        </li>
      ))}
    </ol>
  );
}
