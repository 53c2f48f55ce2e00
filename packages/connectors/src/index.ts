export { ConnectorError, type Failure, statusAfter, type Target } from './errors.ts';
export { ga4Kpis, runGa4Report } from './ga4.ts';
export { GOOGLE_SCOPES } from './google-auth.ts';
export { type ConnectorDeps, connectorHandler, connectorRegistry } from './handler.ts';
export { sheetHeader } from './kpi-rows.ts';
export { fetchMetaInsights, metaKpis } from './meta.ts';
export { authorizeUrl, exchangeCode, oauthProviders } from './oauth.ts';
export { connectorsPort } from './port.ts';
export { type ProbeOutcome, testConnection, testSheet } from './probe.ts';
export { deploymentGate, type ProviderGate, providerGate } from './provider-gate.ts';
export {
  DEFAULT_PROVIDER_LIMITS,
  PROVIDERS,
  type Provider,
  type ProviderBudget,
  type ProviderLimits,
  providerBudgets,
  providerSlots,
} from './provider-slots.ts';
export { QuotaPacing } from './quota-pacing.ts';
export { addDays, dateInZone, daysBetween, eachDay, reportDateFor } from './report-days.ts';
export { sampleHandler, sampleMetrics, sampleRegistry } from './sample.ts';
export { connectionAad, loadOrCreateKeyFile, SECRETS_KEY_FILE, SecretBox, SecretsUnavailableError, sheetAad } from './secrets.ts';
export { type ConnectorSettings, DEFAULT_CONNECTOR_SETTINGS } from './settings.ts';
export { type SheetWrite, sheetsApi, writeKpiDays } from './sheets.ts';
export { fetchShopifyOrders, shopifyKpis } from './shopify.ts';
export { type DayFigures, upsertSnapshots } from './snapshots.ts';
export { MAX_DAYS_PER_RUN } from './sync-window.ts';
