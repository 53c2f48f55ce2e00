import { credentialKindsOf, SOURCES } from '@kpi/sources';
import type { Credential, CredentialKind } from './api-types.ts';
import type { Service } from './services.ts';

/** Which credentials a destination takes (the server checks the same list). */
export const kindsOf = (target: Service | 'sheets'): readonly CredentialKind[] => credentialKindsOf(target);

export const KIND_LABELS: Record<CredentialKind, string> = {
  access_token: 'Access token',
  oauth_refresh: 'OAuth refresh token',
  service_account: 'Service-account key (JSON)',
};

/** The account id field's label, placeholder and hint for a source. */
export const accountFieldOf = (service: Service): { label: string; placeholder: string; hint: string } =>
  SOURCES[service].account;

export const PROVIDER_NAMES: Record<Service | 'sheets', string> = {
  meta: 'Meta',
  ga4: 'Google',
  shopify: 'Shopify',
  sheets: 'Google',
};

/** What the secret inputs hold while the user types; never filled from the server. */
export type CredentialDraft = {
  kind: CredentialKind;
  access_token: string;
  refresh_token: string;
  client_id: string;
  client_secret: string;
  key: string;
};

export type SecretField = 'access_token' | 'refresh_token' | 'client_id' | 'client_secret' | 'key';

export function emptyDraft(kind: CredentialKind): CredentialDraft {
  return { kind, access_token: '', refresh_token: '', client_id: '', client_secret: '', key: '' };
}

/**
 * The credential to send, or undefined when the user typed no secret (the server then keeps the saved
 * one). Blank optional fields are left out rather than sent empty.
 */
export function credentialOf(draft: CredentialDraft): Credential | undefined {
  const t = (value: string) => value.trim();
  if (draft.kind === 'access_token')
    return t(draft.access_token) ? { kind: 'access_token', access_token: t(draft.access_token) } : undefined;
  if (draft.kind === 'service_account') return t(draft.key) ? { kind: 'service_account', key: t(draft.key) } : undefined;
  if (!t(draft.refresh_token) && !t(draft.access_token) && !t(draft.client_id) && !t(draft.client_secret)) return undefined;
  return {
    kind: 'oauth_refresh',
    refresh_token: t(draft.refresh_token),
    ...(t(draft.access_token) ? { access_token: t(draft.access_token) } : {}),
    ...(t(draft.client_id) ? { client_id: t(draft.client_id) } : {}),
    ...(t(draft.client_secret) ? { client_secret: t(draft.client_secret) } : {}),
  };
}

/** The input a server error's `details.field` (such as `credential.access_token`) belongs beside. */
export function fieldOfError(field: string | null): string | null {
  if (!field) return null;
  if (field === 'credential.kind') return 'kind';
  if (field.startsWith('credential.')) return field.slice('credential.'.length);
  return field;
}
