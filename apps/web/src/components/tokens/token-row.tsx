import { useState } from 'react';
import type { ApiToken } from '../../lib/api-types.ts';
import { describeError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/time.ts';
import { trpc } from '../../lib/trpc.ts';

export function TokenRow({ token }: { token: ApiToken }) {
  const utils = trpc.useUtils();
  const [confirming, setConfirming] = useState(false);
  const revoke = trpc.tokens.revoke.useMutation({ onSuccess: () => utils.tokens.list.invalidate() });
  const revoked = token.revoked_at !== null;
  return (
    <li className={revoked ? 'token revoked' : 'token'}>
      <div className="token-main">
        <strong>{token.name}</strong> <code>{token.prefix}…</code>{' '}
        {revoked ? <span className="badge badge-failed">revoked</span> : <span className="badge badge-succeeded">active</span>}
        <div className="muted small">
          Created {formatDateTime(token.created_at)} · last used{' '}
          {token.last_used_at ? formatDateTime(token.last_used_at) : 'never'}
          {token.revoked_at && ` · revoked ${formatDateTime(token.revoked_at)}`}
        </div>
        {revoke.error && (
          <p className="field-error" role="alert">
            {describeError(revoke.error).message}
          </p>
        )}
      </div>
      {!revoked &&
        (confirming ? (
          <div className="row">
            <button
              type="button"
              className="button-danger"
              onClick={() => revoke.mutate({ id: token.id })}
              disabled={revoke.isPending}
            >
              Revoke “{token.name}”
            </button>
            <button type="button" className="button-secondary" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </div>
        ) : (
          <button type="button" className="button-secondary" onClick={() => setConfirming(true)}>
            Revoke…
          </button>
        ))}
    </li>
  );
}
