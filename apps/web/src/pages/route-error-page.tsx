import { useRouteError } from 'react-router';
import { ErrorNotice } from '../components/layout/states.tsx';

/**
 * A page that threw while rendering, or whose code could not be fetched (a deploy replaced the chunks
 * since this tab loaded): say so and offer a reload, which fetches the current build.
 */
export function RouteErrorPage() {
  const error = useRouteError();
  return (
    <main id="main" className="page">
      <ErrorNotice title="This page could not be shown" error={error} onRetry={() => window.location.reload()} />
    </main>
  );
}
