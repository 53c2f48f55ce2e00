import { useState } from 'react';
import type { ProbeAnswer, SheetDestination, SheetUpsert } from '../../lib/api-types.ts';
import { KIND_LABELS } from '../../lib/credentials.ts';
import { SERVICE_LABELS, SERVICES } from '../../lib/services.ts';
import { LastChecked, StatusBadge } from './connection-status.tsx';
import { OAuthLink } from './oauth-link.tsx';
import { SheetForm } from './sheet-form.tsx';
import { TestAndRemove } from './test-and-remove.tsx';

type Props = {
  sheet: SheetDestination | null;
  /** The operator configured Google OAuth (known from connections.list before a sheet exists). */
  oauthAvailable: boolean;
  onSave: (input: SheetUpsert) => Promise<unknown>;
  onTest: () => Promise<Omit<ProbeAnswer, 'connection'>>;
  onRemove: () => Promise<unknown>;
};

/** Where real KPIs are written: one row per date in each source's tab. */
export function SheetCard({ sheet, oauthAvailable, onSave, onTest, onRemove }: Props) {
  const [editing, setEditing] = useState(false);
  const showForm = editing || !sheet;
  return (
    <article className="card connection" aria-label="Google Sheet destination">
      <header className="kpi-head">
        <h3>Google Sheet</h3>
        {sheet && <StatusBadge status={sheet.status} />}
      </header>
      {sheet ? (
        <dl className="facts">
          <div>
            <dt>Spreadsheet</dt>
            <dd>
              <a href={sheet.url} target="_blank" rel="noreferrer">
                Open the sheet
              </a>{' '}
              <span className="mono small muted">{sheet.spreadsheet_id}</span>
            </dd>
          </div>
          <div>
            <dt>Tabs</dt>
            <dd>{SERVICES.map((service) => `${SERVICE_LABELS[service]} → ${sheet.tabs[service]}`).join(' · ')}</dd>
          </div>
          <div>
            <dt>Credential</dt>
            <dd>
              {KIND_LABELS[sheet.credential_kind]}
              {sheet.has_secret && <span className="muted"> · saved</span>}
            </dd>
          </div>
          <div>
            <dt>Last checked</dt>
            <dd>
              <LastChecked at={sheet.last_checked_at} />
            </dd>
          </div>
        </dl>
      ) : (
        <p className="muted">No sheet yet: real KPIs are kept in the app only. Sample data is never written to a sheet.</p>
      )}
      {sheet?.status === 'needs_reauth' && (
        <div className="notice notice-error" role="alert">
          <strong>Reconnect needed: Google rejected the sheet’s credential.</strong>
          {sheet.last_error && <span>{sheet.last_error}</span>}
          {!editing && (
            <button type="button" onClick={() => setEditing(true)}>
              Reconnect
            </button>
          )}
        </div>
      )}
      {sheet?.status === 'error' && sheet.last_error && <p className="field-error">Last error: {sheet.last_error}</p>}
      {showForm && (
        <SheetForm
          sheet={sheet}
          onSave={async (input) => {
            await onSave(input);
            setEditing(false);
          }}
          {...(sheet ? { onCancel: () => setEditing(false) } : {})}
        />
      )}
      {oauthAvailable && showForm && (
        <OAuthLink target="sheets" accountId={sheet?.spreadsheet_id ?? null} label="Spreadsheet URL or id" />
      )}
      {sheet && (
        <TestAndRemove
          what="Sheet destination"
          onTest={onTest}
          onRemove={onRemove}
          extra={
            !showForm && (
              <button type="button" className="button-secondary" onClick={() => setEditing(true)}>
                Edit
              </button>
            )
          }
        />
      )}
    </article>
  );
}
