import type { AppRouter } from '@kpi/api';
import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

export type { AppRouter };
export type KpiClient = TRPCClient<AppRouter>;
export type KpiInputs = inferRouterInputs<AppRouter>;
export type KpiOutputs = inferRouterOutputs<AppRouter>;
/** The error every call rejects with; `data.appCode` is the server's error code, `data.details` its details. */
export type KpiClientError = TRPCClientError<AppRouter>;

export type KpiClientOptions = {
  /** Where the server listens, e.g. `http://127.0.0.1:3000` (the client adds `/trpc`). */
  baseUrl: string;
  /** An API token from `pnpm cli token:create`; sent as `Authorization: Bearer <token>`. */
  token: string;
  /** A fetch to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
};

// The server refuses batches larger than this (apps/server/src/plugins/trpc.ts); the link splits below it.
const MAX_BATCH_ITEMS = 20;
// Queries travel in the URL; past this the link sends them as several requests rather than one huge URL.
const MAX_URL_LENGTH = 8_000;

/**
 * The typed client for other TypeScript services: every procedure of the server's router, with its
 * input and output types, over tRPC's batching HTTP link. It only imports the router's *type*.
 */
export function createKpiClient(options: KpiClientOptions): KpiClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/trpc`;
  const authorization = `Bearer ${options.token}`;
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url,
        maxItems: MAX_BATCH_ITEMS,
        maxURLLength: MAX_URL_LENGTH,
        headers: () => ({ authorization }),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

/** Narrows an unknown rejection to the client's typed error. */
export function isKpiClientError(error: unknown): error is KpiClientError {
  return error instanceof TRPCClientError;
}
