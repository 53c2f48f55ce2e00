import type { CredentialKind, Db, Service } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { ProbeResultJson } from '../validators/answers/connections.ts';

export type ProbeResult = ProbeResultJson;

import type { OAuthProvider } from '@kpi/sources';

export type { OAuthProvider };
/** Where an OAuth flow started, sealed into a short-lived cookie so any instance can finish it. */
export type OAuthContext = {
  state: string;
  userId: number;
  target: Service | 'sheets';
  accountId: string;
  tabs?: Partial<Record<Service, string>>;
  expiresAt: number;
};
export type ObtainedCredential = { kind: CredentialKind; secret: Record<string, unknown>; tokenExpiresAt: Date | null };

/**
 * What the API needs from the connectors, supplied by the server (the API package does not depend on
 * them): sealing secrets, "test connection" calls, and the providers' OAuth steps.
 */
export interface ConnectorsPort {
  /** False when the operator gave no SECRETS_KEY: credentials cannot be saved. */
  readonly canSeal: boolean;
  sealConnection(userId: number, service: Service, secret: Record<string, unknown>): string;
  sealSheet(userId: number, secret: Record<string, unknown>): string;
  testConnection(db: Db, userId: number, service: Service): Promise<ProbeResult | undefined>;
  testSheet(db: Db, userId: number): Promise<ProbeResult | undefined>;
  readonly oauth?: {
    /** The providers whose client id and secret the operator configured. */
    readonly providers: readonly OAuthProvider[];
    authorizeUrl(input: {
      provider: OAuthProvider;
      redirectUri: string;
      state: string;
      shop?: string;
      target: Service | 'sheets';
    }): string;
    /** `callbackQuery` is the callback's raw query string: Shopify signs all of it (`hmac`), and is refused without it. */
    exchange(input: {
      provider: OAuthProvider;
      code: string;
      redirectUri: string;
      shop?: string;
      callbackQuery?: string;
      /** The app's clock: Shopify's signed `timestamp` is checked against it. */
      now?: Date;
    }): Promise<ObtainedCredential>;
    sealContext(context: OAuthContext): string;
    openContext(sealed: string): OAuthContext | undefined;
  };
}

/** ApiDeps plus the connectors port (absent in deployments and tests that do not wire connectors). */
export function connectorsOf(deps: ApiDeps): ConnectorsPort {
  const port = deps.connectors;
  if (!port) throw new AppError('SERVICE_UNAVAILABLE', 'Connections are not available on this server');
  return port;
}

export function requireSealing(port: ConnectorsPort): void {
  if (!port.canSeal) {
    throw new AppError(
      'SECRETS_KEY_MISSING',
      'This server cannot store credentials: the operator must set SECRETS_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) and restart',
    );
  }
}
