import type { Database, Db } from '@kpi/db';
import { type HttpResponse, pause } from './http.ts';
import { type ProviderSlots, providerSlots } from './provider-slots.ts';
import { QuotaPacing } from './quota-pacing.ts';
import type { BudgetedCall } from './quota-signals.ts';
import type { ConnectorSettings } from './settings.ts';

/** Where every budgeted HTTP call of the connectors goes through: the sources' pacing, then a provider slot. */
export type ProviderGate = {
  call(budget: BudgetedCall, signal: AbortSignal | undefined, send: () => Promise<HttpResponse>): Promise<HttpResponse>;
  /** Creates the providers' slots now rather than on each provider's first call (so the caps show at once). */
  prepare(): Promise<void>;
};

/**
 * A call first waits out what the source said about its quota (holding no slot meanwhile, so a paced
 * account does not keep others waiting), then holds one of the provider's slots for the request only,
 * and records what the answer says about the quota for the next call. Without `slots` (tests of the
 * clients alone) only the pacing applies.
 */
export function providerGate(options: { pacing: QuotaPacing; slots?: ProviderSlots }): ProviderGate {
  const { pacing, slots } = options;
  return {
    async call(budget, signal, send) {
      await pacing.before(budget.provider, budget.keys, signal);
      const release = slots ? await slots.acquire(budget.provider, signal) : undefined;
      let response: HttpResponse;
      try {
        response = await send();
      } finally {
        // A release that fails (the database went away) leaves the slot to its lease, which frees it.
        await release?.().catch(() => undefined);
      }
      if (budget.quota) pacing.hold(budget.quota(response, pacing.now()));
      return response;
    },
    prepare: async () => {
      await slots?.prepare();
    },
  };
}

/** A call waits this long at most for a slot; then its run fails as rate-limited and is retried later. */
export const SLOT_WAIT_MS = 120_000;
// A slot outlives its request's timeout by this margin before another instance may take it back.
const LEASE_MARGIN_MS = 30_000;

/**
 * The gate of a server process: slots in its database, with the caps of the settings, and the pacing
 * of this process's runs. A slot's lease is the request timeout plus a margin, so a live holder never
 * loses its slot (the request ends first) and a dead one's slot is free again within a minute or so.
 */
export function deploymentGate(
  db: Db,
  settings: ConnectorSettings,
  options: { instance?: string; listen?: Database['listen'] } = {},
): ProviderGate {
  const slots = providerSlots(db, {
    limits: settings.providerLimits,
    leaseMs: settings.requestTimeoutMs + LEASE_MARGIN_MS,
    waitMs: SLOT_WAIT_MS,
    ...options,
  });
  return providerGate({ pacing: new QuotaPacing({ sleep: settings.sleep ?? pause }), slots });
}
