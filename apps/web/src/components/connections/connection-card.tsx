import { useState } from 'react';
import type { Connection, ConnectionUpsert, ProbeAnswer } from '../../lib/api-types.ts';
import { accountFieldOf, KIND_LABELS } from '../../lib/credentials.ts';
import { serviceLabel } from '../../lib/services.ts';
import { ConnectionForm } from './connection-form.tsx';
import { LastChecked, ModeBadge, StatusBadge } from './connection-status.tsx';
import { OAuthLink } from './oauth-link.tsx';
import { TestAndRemove } from './test-and-remove.tsx';

type Props = {
  connection: Connection;
  onSave: (input: ConnectionUpsert) => Promise<unknown>;
  onTest: () => Promise<ProbeAnswer>;
  onRemove: () => Promise<unknown>;
};

/** One source: live or sample, which account, whether its credential still works, and what to do next. */
export function ConnectionCard({ connection, onSave, onTest, onRemove }: Props) {
  const [editing, setEditing] = useState(false);
  const live = connection.mode === 'live';
  const label = serviceLabel(connection.service);
  const showForm = editing || !live;

  return (
    <article className="card connection" aria-label={`${label} connection`} data-service={connection.service}>
      <header className="kpi-head">
        <h3>{label}</h3>
        <ModeBadge mode={connection.mode} />
      </header>
      {live && (
        <dl className="facts">
          <div>
            <dt>{accountFieldOf(connection.service).label}</dt>
            <dd className="mono">{connection.account_id}</dd>
          </div>
          <div>
            <dt>Credential</dt>
            <dd>
              {connection.credential_kind ? KIND_LABELS[connection.credential_kind] : '—'}
              {connection.has_secret && <span className="muted"> · saved</span>}
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={connection.status} />
            </dd>
          </div>
          <div>
            <dt>Last checked</dt>
            <dd>
              <LastChecked at={connection.last_checked_at} />
            </dd>
          </div>
        </dl>
      )}
      {connection.status === 'needs_reauth' && (
        <div className="notice notice-error" role="alert">
          <strong>Reconnect needed: the credential was rejected (expired or revoked).</strong>
          {connection.last_error && <span>{connection.last_error}</span>}
          <span>Syncs of {label} fail until you reconnect.</span>
          {!editing && (
            <button type="button" onClick={() => setEditing(true)}>
              Reconnect
            </button>
          )}
        </div>
      )}
      {connection.status === 'error' && connection.last_error && (
        <p className="field-error">Last error: {connection.last_error}</p>
      )}
      {!live && <p className="muted">Not connected: syncs produce sample data. Connect your account to sync real KPIs.</p>}
      {showForm && (
        <ConnectionForm
          connection={connection}
          onSave={async (input) => {
            await onSave(input);
            setEditing(false);
          }}
          {...(live ? { onCancel: () => setEditing(false) } : {})}
        />
      )}
      {connection.oauth_available && showForm && (
        <OAuthLink
          target={connection.service}
          accountId={connection.account_id}
          label={accountFieldOf(connection.service).label}
        />
      )}
      {live && (
        <TestAndRemove
          what={`${label} connection`}
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
