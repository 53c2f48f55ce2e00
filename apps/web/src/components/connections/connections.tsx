import { useConnections } from '../../hooks/use-connections.ts';
import { ErrorNotice, Loading } from '../layout/states.tsx';
import { ConnectionCard } from './connection-card.tsx';
import { OAuthOutcome } from './oauth-outcome.tsx';
import { SheetCard } from './sheet-card.tsx';

/** Each source's connection (live or sample) and the Google Sheet the real KPIs are written to. */
export function Connections() {
  const c = useConnections();
  if (c.isLoading) return <Loading label="Loading connections…" />;
  if (c.error || !c.connections) {
    return <ErrorNotice title="Could not load connections" error={c.error} onRetry={() => void c.refetch()} />;
  }
  return (
    <>
      <OAuthOutcome />
      <div className="schedule-grid">
        {c.connections.map((connection) => (
          <ConnectionCard
            key={connection.service}
            connection={connection}
            onSave={c.saveConnection}
            onTest={() => c.testConnection(connection.service)}
            onRemove={() => c.removeConnection(connection.service)}
          />
        ))}
        <SheetCard
          sheet={c.sheet ?? null}
          oauthAvailable={c.sheet?.oauth_available ?? c.connections.some((x) => x.service === 'ga4' && x.oauth_available)}
          onSave={c.saveSheet}
          onTest={c.testSheet}
          onRemove={c.removeSheet}
        />
      </div>
    </>
  );
}
