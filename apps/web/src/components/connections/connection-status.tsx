import type { Connection } from '../../lib/api-types.ts';
import { formatDateTime } from '../../lib/time.ts';

type Status = Connection['status'];

const STATUS_TEXT: Record<NonNullable<Status>, { label: string; className: string }> = {
  ok: { label: 'OK', className: 'badge badge-ok' },
  needs_reauth: { label: 'Needs reconnecting', className: 'badge badge-bad' },
  error: { label: 'Error', className: 'badge badge-bad' },
};

export function StatusBadge({ status }: { status: Status }) {
  if (!status) return <span className="badge badge-skipped">Not connected</span>;
  const text = STATUS_TEXT[status];
  return <span className={text.className}>{text.label}</span>;
}

export function ModeBadge({ mode }: { mode: 'live' | 'sample' }) {
  return mode === 'live' ? (
    <span className="badge badge-ok" title="Syncs your own account through the real API">
      Live
    </span>
  ) : (
    <span className="badge badge-sample" title="No connection: the sample connector produces labelled sample figures">
      Sample data
    </span>
  );
}

export function LastChecked({ at }: { at: string | null }) {
  return at ? <time dateTime={at}>{formatDateTime(at)}</time> : <span className="muted">never</span>;
}
