import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { describeError } from '../../lib/errors.ts';
import { trpc } from '../../lib/trpc.ts';

type Props = {
  /** Shown under the fields, such as a "Sign out" button. */
  extra?: ReactNode;
  onChanged?: (sessionsEnded: number) => void;
};

/** Current password, a new one twice; the server ends the account's other sessions when it changes. */
export function PasswordForm({ extra, onChanged }: Props) {
  const utils = trpc.useUtils();
  const change = trpc.auth.changePassword.useMutation({
    onSuccess: (answer) => {
      onChanged?.(answer.sessions_ended);
      return utils.auth.me.invalidate();
    },
  });
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
    const formElement = event.currentTarget;
    change.mutate(
      { current_password: String(form.get('current_password') ?? ''), new_password: next },
      { onSuccess: () => formElement.reset() },
    );
  }

  const error = mismatch ? 'The new passwords do not match' : change.error ? describeError(change.error).message : null;
  return (
    <form className="password-form" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
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
      {extra}
    </form>
  );
}
