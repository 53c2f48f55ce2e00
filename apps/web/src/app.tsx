import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RouterProvider } from 'react-router';
import { ChangePassword } from './components/auth/change-password.tsx';
import { SignIn } from './components/auth/sign-in.tsx';
import { ErrorNotice } from './components/layout/states.tsx';
import { ViewerContext } from './hooks/use-viewer.ts';
import { describeError } from './lib/errors.ts';
import { createTrpcClient, trpc } from './lib/trpc.ts';
import { createAppRouter } from './router.tsx';

function createQueryClient(): QueryClient {
  // An expired session turns every call into a 401: ask who we are again, which shows the sign-in page
  // at the same URL, so signing in again returns to the page the user was on.
  const onError = (error: unknown) => {
    if (describeError(error).httpStatus === 401) void queryClient.invalidateQueries({ queryKey: [['auth', 'me']] });
  };
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Client errors (validation, auth, not found) will not fix themselves by retrying.
        retry: (failures, error) => (describeError(error).httpStatus ?? 500) >= 500 && failures < 2,
      },
    },
  });
  return queryClient;
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createTrpcClient);
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <Gate />
      </QueryClientProvider>
    </trpc.Provider>
  );
}

function Gate() {
  const [router] = useState(createAppRouter);
  const me = trpc.auth.me.useQuery(undefined, { staleTime: 60_000 });
  if (me.isPending) {
    return (
      <p className="splash" role="status">
        Loading…
      </p>
    );
  }
  if (me.error) {
    return (
      <main className="splash">
        <ErrorNotice title="Could not reach the server" error={me.error} onRetry={() => void me.refetch()} />
      </main>
    );
  }
  if (!me.data) return <SignIn />;
  // The generated first administrator sets its own password before anything else.
  if (me.data.must_change_password) return <ChangePassword email={me.data.email} />;
  return (
    <ViewerContext.Provider value={me.data}>
      <RouterProvider router={router} />
    </ViewerContext.Provider>
  );
}
