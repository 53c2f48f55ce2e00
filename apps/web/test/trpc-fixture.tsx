import type { AppRouter } from '@kpi/api';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { type ReactNode, useState } from 'react';
import { trpc } from '../src/lib/trpc.ts';

/** Answers each procedure (by path, such as `runs.byId`) from a function; a throw becomes a tRPC error. */
export type Fixtures = Record<string, (input: unknown) => unknown>;

function fixtureLink(fixtures: Fixtures): TRPCLink<AppRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        Promise.resolve()
          .then(() => {
            const answer = fixtures[op.path];
            if (!answer) throw new Error(`no fixture for ${op.path}`);
            return answer(op.input);
          })
          .then(
            (data) => {
              observer.next({ result: { type: 'data', data } });
              observer.complete();
            },
            (error: unknown) => observer.error(TRPCClientError.from(error instanceof Error ? error : new Error(String(error)))),
          );
      });
}

/** The app's tRPC and React Query providers over fixtures instead of HTTP. */
export function TrpcFixture({ fixtures, children }: { fixtures: Fixtures; children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: false } } }));
  const [client] = useState(() => trpc.createClient({ links: [fixtureLink(fixtures)] }));
  return (
    <trpc.Provider client={client} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </trpc.Provider>
  );
}
