import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../lib/errors.ts';
import { trpc } from '../../lib/trpc.ts';

/** Creates a token and shows its secret once: the server keeps only a hash. */
export function CreateToken() {
  const utils = trpc.useUtils();
  const id = useId();
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const create = trpc.tokens.create.useMutation({ onSuccess: () => utils.tokens.list.invalidate() });

  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const created = await create.mutateAsync({ name });
      setSecret({ name: created.apiToken.name, token: created.token });
      setCopied(null);
      setName('');
    } catch {
      // create.error is shown below the field.
    }
  }

  async function copy() {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.token);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }

  return (
    <>
      <form className="row token-form" onSubmit={submit}>
        <label className="field">
          <span>New token name</span>
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="e.g. reporting service"
            maxLength={100}
            required
            aria-invalid={create.error ? true : undefined}
            aria-describedby={create.error ? `${id}-error` : undefined}
          />
        </label>
        <button type="submit" disabled={create.isPending || name.trim() === ''}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {create.error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {describeError(create.error).message}
        </p>
      )}
      {secret && (
        <div className="notice notice-secret" role="status">
          <strong>Token “{secret.name}” created. Copy it now: it will not be shown again.</strong>
          <div className="row">
            <label className="field grow">
              <span className="visually-hidden">New API token</span>
              <input className="mono" readOnly value={secret.token} onFocus={(event) => event.currentTarget.select()} />
            </label>
            <button type="button" onClick={() => void copy()}>
              Copy
            </button>
            <button type="button" className="button-secondary" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
          {copied === 'yes' && <span>Copied to the clipboard.</span>}
          {copied === 'failed' && <span>Copying failed: select the token and copy it by hand.</span>}
        </div>
      )}
    </>
  );
}
