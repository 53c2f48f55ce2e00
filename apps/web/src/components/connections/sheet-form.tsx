import { DEFAULT_TABS } from '@kpi/sources';
import { useState } from 'react';
import type { SheetDestination, SheetUpsert } from '../../lib/api-types.ts';
import { type CredentialDraft, credentialOf, emptyDraft, kindsOf } from '../../lib/credentials.ts';
import { SERVICE_LABELS, SERVICES, type Service } from '../../lib/services.ts';
import { CredentialFields } from './credential-fields.tsx';
import { TextField } from './text-field.tsx';
import { useFieldErrors } from './use-field-errors.ts';

const FIELDS = [
  'spreadsheet_id',
  'tabs',
  'tabs.meta',
  'tabs.ga4',
  'tabs.shopify',
  'kind',
  'credential',
  'refresh_token',
  'access_token',
  'client_id',
  'client_secret',
  'key',
];

type Props = { sheet: SheetDestination | null; onSave: (input: SheetUpsert) => Promise<unknown>; onCancel?: () => void };

/** The spreadsheet (URL or id), a tab per source, and the Google credential that may write to it. */
export function SheetForm({ sheet, onSave, onCancel }: Props) {
  const savedKind = sheet?.has_secret ? sheet.credential_kind : null;
  const [spreadsheet, setSpreadsheet] = useState(sheet?.spreadsheet_id ?? '');
  const [tabs, setTabs] = useState<Record<Service, string>>(sheet?.tabs ?? DEFAULT_TABS);
  const [draft, setDraft] = useState<CredentialDraft>(() => emptyDraft(savedKind ?? 'oauth_refresh'));
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors(FIELDS);

  async function submit() {
    const credential = credentialOf(draft);
    setSaving(true);
    errors.clear();
    try {
      await onSave({ spreadsheet_id: spreadsheet, tabs, ...(credential ? { credential } : {}) });
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
      aria-label="Google Sheet destination"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <TextField
        label="Spreadsheet URL or id"
        value={spreadsheet}
        onChange={setSpreadsheet}
        placeholder="https://docs.google.com/spreadsheets/d/…/edit"
        required
        error={errors.errorFor('spreadsheet_id')}
      />
      <fieldset>
        <legend>Tabs</legend>
        <div className="row">
          {SERVICES.map((service) => (
            <TextField
              key={service}
              label={`${SERVICE_LABELS[service]} tab`}
              value={tabs[service]}
              onChange={(value) => setTabs({ ...tabs, [service]: value })}
              required
              error={errors.errorFor(`tabs.${service}`)}
            />
          ))}
        </div>
        {errors.errorFor('tabs') && (
          <p className="field-error" role="alert">
            {errors.errorFor('tabs')}
          </p>
        )}
      </fieldset>
      <CredentialFields
        kinds={kindsOf('sheets')}
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
        <button type="submit" disabled={saving || spreadsheet.trim() === ''}>
          {saving ? 'Saving…' : 'Save destination'}
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
