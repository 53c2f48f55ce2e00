import { PageTitle } from '../components/layout/page-title.tsx';
import { RunHistory } from '../components/runs/run-history.tsx';

export function RunsPage() {
  return (
    <>
      <PageTitle title="Runs" />
      <section id="runs" aria-label="Run history">
        <RunHistory />
      </section>
    </>
  );
}
