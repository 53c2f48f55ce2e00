import { useState } from 'react';
import { describeError } from '../../lib/errors.ts';

/**
 * Ends every session of the viewer, this one included (`auth.signOutEverywhere`); asks once before it
 * does. `onSignOutEverywhere` resolves when the server has revoked them.
 */
export function SignOutEverywhere({ onSignOutEverywhere }: { onSignOutEverywhere: () => Promise<unknown> }) {
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await onSignOutEverywhere();
    } catch (failure) {
      setError(describeError(failure).message);
      setPending(false);
    }
  }

  return (
    <div className="actions">
      {confirming ? (
        <>
          <button type="button" className="button-danger" onClick={() => void confirm()} disabled={pending}>
            {pending ? 'Signing out…' : 'Sign out of every device'}
          </button>
          <button type="button" className="button-secondary" onClick={() => setConfirming(false)} disabled={pending}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className="button-secondary" onClick={() => setConfirming(true)}>
          Sign out everywhere…
        </button>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
