import { Connections } from '../components/connections/connections.tsx';
import { PageTitle } from '../components/layout/page-title.tsx';

/** Every source's connection and the Google Sheet; OAuth providers send the browser back here. */
export function ConnectionsPage() {
  return (
    <>
      <PageTitle title="Connections" />
      <section id="connections" aria-label="Connections and Sheet destination">
        <Connections />
      </section>
    </>
  );
}
