import { type FormEvent, useState } from 'react';
import type { AdminUser, UserChanges } from '../../lib/api-types.ts';
import { describeError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/time.ts';

type Props = { user: AdminUser; isViewer: boolean; onUpdate: (changes: UserChanges) => Promise<unknown> };

/** One account: its role and state, and the actions an administrator has on it. */
export function UserRow({ user, isViewer, onUpdate }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [resetting, setResetting] = useState(false);

  async function apply(changes: UserChanges, doneText: string) {
    setPending(true);
    setError(null);
    setDone(null);
    try {
      await onUpdate(changes);
      setDone(doneText);
      setResetting(false);
    } catch (failure) {
      setError(describeError(failure).message);
    } finally {
      setPending(false);
    }
  }

  function resetPassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get('password') ?? '');
    void apply({ password }, 'Password reset; the user chooses a new one at next sign-in.');
  }

  return (
    <tr data-user={user.email}>
      <td data-label="E-mail">
        {user.email}
        {isViewer && <span className="muted"> (you)</span>}
      </td>
      <td data-label="Role">{user.role === 'admin' ? 'Administrator' : 'User'}</td>
      <td data-label="State">
        <span className={`badge ${user.disabled ? 'badge-bad' : 'badge-ok'}`}>{user.disabled ? '✕ Disabled' : '✓ Active'}</span>
        {user.must_change_password && <span className="block small muted">must change password</span>}
      </td>
      <td data-label="Created">
        <time dateTime={user.created_at}>{formatDateTime(user.created_at)}</time>
      </td>
      <td data-label="Actions">
        <div className="row">
          <button
            type="button"
            className="button-secondary"
            disabled={pending}
            onClick={() =>
              void apply({ disabled: !user.disabled }, user.disabled ? 'Enabled.' : 'Disabled; sessions and tokens ended.')
            }
          >
            {user.disabled ? `Enable ${user.email}` : `Disable ${user.email}`}
          </button>
          <button
            type="button"
            className="button-secondary"
            disabled={pending}
            onClick={() =>
              void apply(
                { role: user.role === 'admin' ? 'user' : 'admin' },
                user.role === 'admin' ? 'Now a user.' : 'Now an administrator.',
              )
            }
          >
            {user.role === 'admin' ? 'Make user' : 'Make admin'}
          </button>
          {!resetting && (
            <button type="button" className="button-secondary" disabled={pending} onClick={() => setResetting(true)}>
              Reset password…
            </button>
          )}
        </div>
        {resetting && (
          <form className="row" onSubmit={resetPassword}>
            <label className="field">
              <span>New password for {user.email}</span>
              <input name="password" type="password" autoComplete="new-password" minLength={8} required />
            </label>
            <button type="submit" disabled={pending}>
              Set password
            </button>
            <button type="button" className="button-secondary" onClick={() => setResetting(false)}>
              Cancel
            </button>
          </form>
        )}
        <span className="small" role="status">
          {done}
        </span>
        {error && (
          <span className="field-error block" role="alert">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}
