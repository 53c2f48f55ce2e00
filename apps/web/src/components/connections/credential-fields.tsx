import type { CredentialKind } from '../../lib/api-types.ts';
import { type CredentialDraft, KIND_LABELS, type SecretField } from '../../lib/credentials.ts';
import { TextField } from './text-field.tsx';

type Props = {
  kinds: readonly CredentialKind[];
  draft: CredentialDraft;
  onChange: (draft: CredentialDraft) => void;
  /** The kind of the credential the server holds, if any: the inputs stay empty and say it is saved. */
  savedKind: CredentialKind | null;
  errorFor: (field: SecretField | 'kind' | 'credential') => string | null;
};

/** The secret inputs for one credential kind. They start empty and are never filled from the server. */
export function CredentialFields({ kinds, draft, onChange, savedKind, errorFor }: Props) {
  const keepsSaved = savedKind === draft.kind;
  const placeholder = keepsSaved ? 'Saved; leave blank to keep it' : '';
  const set = (field: SecretField, value: string) => onChange({ ...draft, [field]: value });

  function secretInput(field: SecretField, label: string, optional = false) {
    return (
      <TextField
        label={optional ? `${label} (optional)` : label}
        type={field === 'client_id' ? 'text' : 'password'}
        value={draft[field]}
        onChange={(value) => set(field, value)}
        placeholder={placeholder}
        error={errorFor(field)}
      />
    );
  }

  const kindError = errorFor('kind') ?? errorFor('credential');
  return (
    <fieldset className="credential">
      <legend>Credential</legend>
      {kinds.length > 1 ? (
        <label className="field">
          <span>Credential type</span>
          <select value={draft.kind} onChange={(event) => onChange({ ...draft, kind: event.target.value as CredentialKind })}>
            {kinds.map((kind) => (
              <option key={kind} value={kind}>
                {KIND_LABELS[kind]}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <p className="muted small">{KIND_LABELS[draft.kind]}</p>
      )}
      {kindError && (
        <p className="field-error" role="alert">
          {kindError}
        </p>
      )}
      {savedKind && (
        <p className="hint">
          {savedKind === draft.kind
            ? 'A credential is saved (it is never shown again). Leave these fields blank to keep it.'
            : `Saved: ${KIND_LABELS[savedKind]}. Saving this type replaces it.`}
        </p>
      )}
      {draft.kind === 'access_token' && secretInput('access_token', 'Access token')}
      {draft.kind === 'oauth_refresh' && (
        <>
          {secretInput('refresh_token', 'Refresh token')}
          {secretInput('access_token', 'Current access token', true)}
          <details>
            <summary>Your own OAuth client (if the operator configured none)</summary>
            {secretInput('client_id', 'Client id', true)}
            {secretInput('client_secret', 'Client secret', true)}
          </details>
        </>
      )}
      {draft.kind === 'service_account' && (
        <TextField
          label="Service-account key (JSON)"
          multiline
          value={draft.key}
          onChange={(value) => set('key', value)}
          placeholder={keepsSaved ? placeholder : '{"type": "service_account", …}'}
          error={errorFor('key')}
        />
      )}
    </fieldset>
  );
}
