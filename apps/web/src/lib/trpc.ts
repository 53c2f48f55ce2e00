import type { AppRouter } from '@kpi/api';
import { createTRPCReact, httpBatchLink } from '@trpc/react-query';

/** The typed hooks for the server's router: a renamed field or procedure fails `tsc` here and in every caller. */
export const trpc = createTRPCReact<AppRouter>();

export function createTrpcClient() {
  return trpc.createClient({
    // Same origin in production (the server serves this app) and through Vite's proxy in development,
    // so the session cookie goes along without CORS.
    links: [httpBatchLink({ url: '/trpc' })],
  });
}
