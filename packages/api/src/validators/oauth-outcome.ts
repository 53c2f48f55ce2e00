import { SERVICES } from './schedule.ts';

/**
 * What the OAuth callback tells the UI, as fixed codes in the query of its redirect:
 * `/connections?connected=<target>` or `/connections?error=<code>&target=<target>`. The UI words each
 * code itself and ignores any other value, so nobody can put their own text on the page with a link.
 */
export const OAUTH_TARGETS = [...SERVICES, 'sheets'] as const;
export type OAuthTarget = (typeof OAUTH_TARGETS)[number];

export const OAUTH_ERROR_CODES = [
  /** The user declined at the provider. */
  'oauth_denied',
  /** The provider came back with another error, or without a code. */
  'oauth_not_granted',
  /** Exchanging the code failed, or the answer could not be verified (Shopify's hmac, another shop). */
  'oauth_exchange_failed',
  /** The server has no SECRETS_KEY to seal the credential with. */
  'oauth_cannot_store',
  /** Anything else that the user can retry. */
  'oauth_failed',
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

export const isOAuthTarget = (value: unknown): value is OAuthTarget => OAUTH_TARGETS.includes(value as OAuthTarget);
export const isOAuthErrorCode = (value: unknown): value is OAuthErrorCode => OAUTH_ERROR_CODES.includes(value as OAuthErrorCode);
