import { ConnectorError } from './errors.ts';
import type { ProviderGate } from './provider-gate.ts';
import { DEFAULT_PROVIDER_LIMITS, type ProviderLimits } from './provider-slots.ts';

/** Where each API lives and which app credentials the operator configured (all from apps/server config). */
export type ConnectorSettings = {
  metaBaseUrl: string;
  metaApiVersion: string;
  ga4BaseUrl: string;
  googleOAuthTokenUrl: string;
  googleAuthUrl: string;
  /** `https://{shop}`: `{shop}` is replaced by the shop domain; the Admin API paths are appended. */
  shopifyBaseUrlTemplate: string;
  shopifyApiVersion: string;
  sheetsBaseUrl: string;
  google?: { clientId: string; clientSecret: string };
  meta?: { appId: string; appSecret: string };
  shopify?: { clientId: string; clientSecret: string };
  /** Per HTTP request. */
  requestTimeoutMs: number;
  /** A connection's coverage starts this many days before the day it was saved (BACKFILL_DAYS). */
  backfillDays: number;
  /** Concurrent calls per provider across all instances (META_/GOOGLE_/SHOPIFY_MAX_CONCURRENCY). */
  providerLimits: ProviderLimits;
  /** Slots and quota pacing for the source and Sheets calls; built by the composition root, absent in client tests. */
  gate?: ProviderGate;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Waits out a short throttle inside a run; injected in tests, a timer otherwise. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
};

export const DEFAULT_CONNECTOR_SETTINGS: ConnectorSettings = {
  metaBaseUrl: 'https://graph.facebook.com',
  metaApiVersion: 'v26.0',
  ga4BaseUrl: 'https://analyticsdata.googleapis.com',
  googleOAuthTokenUrl: 'https://oauth2.googleapis.com/token',
  googleAuthUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  shopifyBaseUrlTemplate: 'https://{shop}',
  shopifyApiVersion: '2026-07',
  sheetsBaseUrl: 'https://sheets.googleapis.com',
  requestTimeoutMs: 30_000,
  backfillDays: 30,
  providerLimits: DEFAULT_PROVIDER_LIMITS,
};

/**
 * Only `<name>.myshopify.com`: the shop domain becomes the host that receives the app's client secret
 * and the shop's tokens, so anything else (another host, an address, a port, a path) is refused here
 * even if a caller forgot to validate it.
 */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/;

export function shopBaseUrl(settings: ConnectorSettings, shop: string): string {
  if (!SHOP_DOMAIN.test(shop)) {
    throw new ConnectorError('The shop must be a Shopify domain like my-shop.myshopify.com', 'config', 'source');
  }
  return settings.shopifyBaseUrlTemplate.replace('{shop}', shop).replace(/\/+$/, '');
}

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');
