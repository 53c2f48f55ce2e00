import { type ReactNode, useState } from 'react';
import { describeError } from '../../lib/errors.ts';

type Props = {
  /** "Meta Ads connection", "Sheet destination": names the buttons' target for screen readers. */
  what: string;
  onTest: () => Promise<{ ok: boolean; message: string }>;
  onRemove: () => Promise<unknown>;
  extra?: ReactNode;
};

/** "Test connection" with the server's plain-words answer, and a remove that asks once more. */
export function TestAndRemove({ what, onTest, onRemove, extra }: Props) {
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState<'test' | 'remove' | null>(null);
  const [confirming, setConfirming] = useState(false);

  async function act(kind: 'test' | 'remove') {
    setBusy(kind);
    setResult(null);
    try {
      if (kind === 'test') setResult(await onTest());
      else await onRemove();
    } catch (error) {
      setResult({ ok: false, message: describeError(error).message });
    } finally {
      setBusy(null);
      setConfirming(false);
    }
  }

  return (
    <>
      <div className="actions">
        <button type="button" onClick={() => void act('test')} disabled={busy !== null}>
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        {extra}
        {confirming ? (
          <>
            <button type="button" className="button-danger" onClick={() => void act('remove')} disabled={busy !== null}>
              {busy === 'remove' ? 'Removing…' : `Yes, remove the ${what.toLowerCase()}`}
            </button>
            <button type="button" className="button-secondary" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" className="button-secondary" onClick={() => setConfirming(true)}>
            Remove
          </button>
        )}
      </div>
      <p className={result && !result.ok ? 'field-error' : 'test-result'} role="status">
        {result ? `${result.ok ? 'Works: ' : 'Failed: '}${result.message}` : ''}
      </p>
    </>
  );
}
