import type { ApiDeps } from '../deps.ts';
import type { ProviderBudgetJson } from '../validators/answers/admin.ts';

/**
 * Each provider's deployment-wide concurrency budget and how much of it is taken. This deployment keeps
 * no provider budgets yet, so there is nothing to report: the fleet page shows none.
 */
export async function providerBudgetsInUse(_deps: Pick<ApiDeps, 'db'>): Promise<ProviderBudgetJson[]> {
  return [];
}
