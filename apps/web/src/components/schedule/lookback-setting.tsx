import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../lib/errors.ts';

type Props = {
  /** The schedule's `lookback_days`. */
  days: number;
  min: number;
  max: number;
  /** Saves `lookback_days`; rejects with the server's error, which is shown under the field. */
  onSave: (days: number) => Promise<unknown>;
};

/** How many recent complete days every run fetches again, since sources restate recent figures. */
export function LookbackSetting({ days, min, max, onSave }: Props) {
  const id = useId();
  const [draft, setDraft] = useState(String(days));
  const [seen, setSeen] = useState(days);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);

  // The server's value changed (our save or another tab's): show it.
  if (seen !== days) {
    setSeen(days);
    setDraft(String(days));
  }

  const value = Number(draft);
  const valid = draft.trim() !== '' && Number.isInteger(value) && value >= min && value <= max;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!valid) {
      setError(`Choose a whole number of days from ${min} to ${max}`);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave(value);
      setSaved(true);
    } catch (failure) {
      setError(describeError(failure).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="card lookback" noValidate onSubmit={(event) => void submit(event)}>
      <div className="row">
        <label className="field field-narrow">
          <span>Days fetched again</span>
          <input
            type="number"
            inputMode="numeric"
            min={min}
            max={max}
            step={1}
            value={draft}
            aria-invalid={error !== null}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            onChange={(event) => {
              setDraft(event.target.value);
              setSaved(false);
              setError(null);
            }}
          />
        </label>
        <button type="submit" disabled={saving || draft === String(days)}>
          {saving ? 'Saving…' : 'Save lookback'}
        </button>
        <span className="muted small" role="status">
          {saved && draft === String(days) ? 'Saved.' : ''}
        </span>
      </div>
      <p id={`${id}-hint`} className="hint">
        Every run fetches the last {valid ? value : days} complete days again and rewrites only the days whose figures changed.
      </p>
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
