import { type FormEvent, useId, useState } from 'react';
import { useAuth } from '../../hooks/use-auth.ts';
import { describeError } from '../../lib/errors.ts';
import { trpc } from '../../lib/trpc.ts';

/**
 * Shown instead of the dashboard while the account must change its password (the first administrator,
 * whose generated password went to the server log). Other sessions end when the password changes.
 */
export function ChangePassword({ email }: { email: string }) {
  const utils = trpc.useUtils();
  const { signOut, pending: signingOut } = useAuth();
  const change = trpc.auth.changePassword.useMutation({ onSuccess: () => utils.auth.me.invalidate() });
  const [mismatch, setMismatch] = useState(false);
  const errorId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = String(form.get('new_password') ?? '');
    if (next !== String(form.get('confirm_password') ?? '')) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate({ current_password: String(form.get('current_password') ?? ''), new_password: next });
  }

  const error = mismatch ? 'The new passwords do not match' : change.error ? describeError(change.error).message : null;
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <h1>Choose a new password</h1>
        <p className="muted">
          {email} signs in with a generated password that was written to the server log. Set your own before you go on.
        </p>
        <label className="field">
          <span>Current password</span>
          <input name="current_password" type="password" autoComplete="current-password" required />
        </label>
        <label className="field">
          <span>New password</span>
          <input name="new_password" type="password" autoComplete="new-password" minLength={8} required />
        </label>
        <label className="field">
          <span>Repeat the new password</span>
          <input name="confirm_password" type="password" autoComplete="new-password" minLength={8} required />
        </label>
        {error && (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={change.isPending}>
          {change.isPending ? 'Saving…' : 'Change password'}
        </button>
        <button type="button" className="button-secondary" onClick={() => void signOut()} disabled={signingOut}>
          Sign out
        </button>
      </form>
    </main>
  );
}
