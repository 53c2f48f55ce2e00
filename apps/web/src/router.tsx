import { createBrowserRouter, type RouteObject } from 'react-router';
import { AppShell } from './components/layout/app-shell.tsx';
import { useViewer } from './hooks/use-viewer.ts';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { RouteErrorPage } from './pages/route-error-page.tsx';

function Shell() {
  return <AppShell viewer={useViewer()} />;
}

// The overview is in the first bundle; every other page is its own chunk, fetched when first opened, so
// the schedule editor (cron parsing), connection forms and admin figures do not weigh on the first load.
export const ROUTES: RouteObject[] = [
  {
    element: <Shell />,
    errorElement: <RouteErrorPage />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'sources/:service', lazy: async () => ({ Component: (await import('./pages/source-page.tsx')).SourcePage }) },
      { path: 'runs', lazy: async () => ({ Component: (await import('./pages/runs-page.tsx')).RunsPage }) },
      { path: 'runs/:id', lazy: async () => ({ Component: (await import('./pages/run-page.tsx')).RunPage }) },
      { path: 'connections', lazy: async () => ({ Component: (await import('./pages/connections-page.tsx')).ConnectionsPage }) },
      {
        path: 'notifications',
        lazy: async () => ({ Component: (await import('./pages/notifications-page.tsx')).NotificationsPage }),
      },
      { path: 'tokens', lazy: async () => ({ Component: (await import('./pages/tokens-page.tsx')).TokensPage }) },
      { path: 'account', lazy: async () => ({ Component: (await import('./pages/account-page.tsx')).AccountPage }) },
      { path: 'admin', lazy: async () => ({ Component: (await import('./pages/admin-page.tsx')).AdminPage }) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(ROUTES);
}
