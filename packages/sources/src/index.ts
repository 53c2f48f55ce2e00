/**
 * What a data source is, said once: its id, label, report columns, account id, credential kinds and
 * OAuth provider. Browser-safe (no Node imports): the database schema, the API's validators, the
 * connectors and the web app all read it. Adding a source means one entry here, one connector module,
 * one fake and its tests, plus the SQL CHECK constraints on `service` columns (a migration), which the
 * database keeps as its own guard; a test checks that they list the same ids as this registry.
 */
export const CREDENTIAL_KINDS = ['access_token', 'oauth_refresh', 'service_account'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export type OAuthProvider = 'google' | 'meta' | 'shopify';

export type AccountIdRule = {
  /** Form label, placeholder and hint for the account id field. */
  label: string;
  placeholder: string;
  hint: string;
  /** What a valid id looks like, once trimmed and lower-cased. */
  pattern: RegExp;
  /** The same rule in words, for the API's validation message. */
  patternHint: string;
  /** The id as stored: a Meta ad account is stored without its `act_` prefix. */
  normalise: (accountId: string) => string;
};

export type SourceDefinition = {
  label: string;
  provider: OAuthProvider;
  credentialKinds: readonly CredentialKind[];
  account: AccountIdRule;
  /** The snapshot's metric keys and the Sheet's columns after `date`, in order. */
  columns: readonly string[];
  /** `kpi_snapshots.source` for real figures (the sample connector writes 'sample'). */
  sourceName: string;
  /** The Sheet tab a source writes to unless the user names another. */
  defaultTab: string;
  /** Complete days each run fetches again unless the schedule says otherwise: how long the source restates. */
  lookbackDays: number;
};

/** The bounds of a schedule's `lookback_days`. */
export const LOOKBACK_DAYS = { min: 1, max: 28 } as const;

const keep = (accountId: string) => accountId;

const DEFINITIONS = {
  meta: {
    label: 'Meta Ads',
    provider: 'meta',
    credentialKinds: ['access_token'],
    account: {
      label: 'Ad account id',
      placeholder: 'act_1234567890',
      hint: 'Digits, with or without act_.',
      pattern: /^(act_)?\d{1,30}$/,
      patternHint: 'the ad account id, digits (act_ optional)',
      normalise: (accountId) => accountId.replace(/^act_/, ''),
    },
    columns: ['spend', 'impressions', 'clicks', 'conversions', 'currency'],
    sourceName: 'meta_insights',
    defaultTab: 'Meta',
    // Meta attributes conversions to the day of the click or view for up to 28 days; most arrive in a week.
    lookbackDays: 7,
  },
  ga4: {
    label: 'Google Analytics 4',
    provider: 'google',
    credentialKinds: ['oauth_refresh', 'service_account'],
    account: {
      label: 'GA4 property id',
      placeholder: '123456789',
      hint: 'The numeric property id, not the G- measurement id.',
      pattern: /^\d{1,20}$/,
      patternHint: 'the GA4 property id, digits (not the G- measurement id)',
      normalise: keep,
    },
    columns: ['sessions', 'users', 'key_events', 'purchases', 'revenue', 'currency'],
    sourceName: 'ga4_data_api',
    defaultTab: 'GA4',
    // GA4 finishes processing a day within about 48 hours.
    lookbackDays: 3,
  },
  shopify: {
    label: 'Shopify',
    provider: 'shopify',
    credentialKinds: ['access_token', 'oauth_refresh'],
    account: {
      label: 'Shop domain',
      placeholder: 'my-shop.myshopify.com',
      hint: 'The shop’s .myshopify.com domain.',
      pattern: /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/,
      patternHint: 'the shop domain, like my-shop.myshopify.com',
      normalise: keep,
    },
    columns: ['orders', 'gross_sales', 'currency'],
    sourceName: 'shopify_admin',
    defaultTab: 'Shopify',
    // Orders are edited, cancelled and refunded in the days after they were placed.
    lookbackDays: 3,
  },
} as const satisfies Record<string, SourceDefinition>;

/** The Google Sheet every source writes to: a destination, not a source, with its own credentials. */
export const SHEETS_DESTINATION = {
  label: 'Google Sheet',
  provider: 'google',
  credentialKinds: ['oauth_refresh', 'service_account'],
} as const satisfies Pick<SourceDefinition, 'label' | 'provider' | 'credentialKinds'>;

/**
 * Everything derived from a set of definitions. The module exports the one built from the sources above;
 * a test builds one with a dummy extra source to show that everything downstream follows the registry.
 */
export function defineSources<const S extends Record<string, SourceDefinition>>(definitions: S) {
  type Id = Extract<keyof S, string>;
  const ids = Object.keys(definitions) as [Id, ...Id[]];
  const byId: Record<Id, SourceDefinition> = definitions;
  return {
    SOURCES: definitions,
    /** The source ids in display order, as zod's enum and SQL's ordering want them. */
    SERVICES: ids,
    /** The tab each source writes to in a Sheet whose tabs the user did not name. */
    DEFAULT_TABS: Object.fromEntries(ids.map((id) => [id, byId[id].defaultTab])) as Record<Id, string>,
    providerOf: (target: Id | 'sheets'): OAuthProvider =>
      target === 'sheets' ? SHEETS_DESTINATION.provider : byId[target].provider,
    credentialKindsOf: (target: Id | 'sheets'): readonly CredentialKind[] =>
      target === 'sheets' ? SHEETS_DESTINATION.credentialKinds : byId[target].credentialKinds,
  };
}

export const { SOURCES, SERVICES, DEFAULT_TABS, providerOf, credentialKindsOf } = defineSources(DEFINITIONS);
export type Service = keyof typeof DEFINITIONS;
export type Destination = Service | 'sheets';
export * from './notification-events.ts';
