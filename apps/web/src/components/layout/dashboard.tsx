import { useEffect } from 'react';
import { useAuth } from '../../hooks/use-auth.ts';
import type { Viewer } from '../../lib/api-types.ts';
import { Connections } from '../connections/connections.tsx';
import { LatestKpis } from '../kpis/latest-kpis.tsx';
import { RunHistory } from '../runs/run-history.tsx';
import { ScheduleList } from '../schedule/schedule-list.tsx';
import { ApiTokens } from '../tokens/api-tokens.tsx';

const SECTIONS = [
  { id: 'schedules', label: 'Schedules' },
  { id: 'runs', label: 'Run history' },
  { id: 'kpis', label: 'KPIs' },
  { id: 'connections', label: 'Connections' },
  { id: 'tokens', label: 'API tokens' },
] as const;

export function Dashboard({ viewer }: { viewer: Viewer }) {
  const { signOut, pending } = useAuth();
  // /connections is where the OAuth callback sends the browser back: open the page at that section.
  useEffect(() => {
    if (window.location.pathname === '/connections') document.getElementById('connections')?.scrollIntoView?.();
  }, []);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <span className="brand">KPI sync</span>
          <nav aria-label="Sections">
            {SECTIONS.map((section) => (
              <a key={section.id} href={`#${section.id}`}>
                {section.label}
              </a>
            ))}
          </nav>
          <div className="account">
            <span className="muted" title="Signed in as">
              {viewer.email}
            </span>
            <button type="button" className="button-secondary" onClick={() => void signOut()} disabled={pending}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page">
        <section id="schedules" aria-labelledby="schedules-title">
          <h2 id="schedules-title">Schedules</h2>
          <ScheduleList />
        </section>
        <section id="runs" aria-labelledby="runs-title">
          <h2 id="runs-title">Run history</h2>
          <RunHistory />
        </section>
        <section id="kpis" aria-labelledby="kpis-title">
          <h2 id="kpis-title">Latest KPIs</h2>
          <LatestKpis />
        </section>
        <section id="connections" aria-labelledby="connections-title">
          <h2 id="connections-title">Connections</h2>
          <Connections />
        </section>
        <section id="tokens" aria-labelledby="tokens-title">
          <h2 id="tokens-title">API tokens</h2>
          <ApiTokens />
        </section>
      </main>
    </>
  );
}
