import { useState } from 'react';
import type { Connection, ConnectionUpsert } from '../../lib/api-types.ts';
import { accountFieldOf, type CredentialDraft, credentialOf, emptyDraft, kindsOf } from '../../lib/credentials.ts';
import { CredentialFields } from './credential-fields.tsx';
import { TextField } from './text-field.tsx';
import { useFieldErrors } from './use-field-errors.ts';

const FIELDS = ['account_id', 'kind', 'credential', 'access_token', 'refresh_token', 'client_id', 'client_secret', 'key'];

type Props = {
  connection: Connection;
  /** Saves; rejects with the server's error, shown beside the field it names. */
  onSave: (input: ConnectionUpsert) => Promise<unknown>;
  onCancel?: () => void;
};

/** Account id and credential for one source. A saved secret is never shown: its inputs start empty. */
export function ConnectionForm({ connection, onSave, onCancel }: Props) {
  const { service } = connection;
  const kinds = kindsOf(service);
  const savedKind = connection.has_secret ? connection.credential_kind : null;
  const [accountId, setAccountId] = useState(connection.account_id ?? '');
  const [draft, setDraft] = useState<CredentialDraft>(() => emptyDraft(savedKind ?? (kinds[0] as CredentialDraft['kind'])));
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors(FIELDS);
  const account = accountFieldOf(service);

  async function submit() {
    const credential = credentialOf(draft);
    setSaving(true);
    errors.clear();
    try {
      await onSave({ service, account_id: accountId, ...(credential ? { credential } : {}) });
      // The secret leaves the page once the server has it.
      setDraft(emptyDraft(draft.kind));
    } catch (error) {
      errors.show(error);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      className="connection-form"
      aria-label={`${connection.mode === 'live' ? 'Update' : 'Connect'} ${account.label.toLowerCase()} and credential`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <TextField
        label={account.label}
        value={accountId}
        onChange={setAccountId}
        placeholder={account.placeholder}
        required
        hint={account.hint}
        error={errors.errorFor('account_id')}
      />
      <CredentialFields
        kinds={kinds}
        draft={draft}
        onChange={(next) => {
          setDraft(next);
          errors.clear();
        }}
        savedKind={savedKind}
        errorFor={errors.errorFor}
      />
      {errors.formError && (
        <p className="field-error" role="alert">
          {errors.formError}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={saving || accountId.trim() === ''}>
          {saving ? 'Saving…' : 'Save connection'}
        </button>
        {onCancel && (
          <button type="button" className="button-secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
