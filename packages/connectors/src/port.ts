import type { Db, Service } from '@kpi/db';
import type { ConnectorDeps } from './handler.ts';
import { authorizeUrl, exchangeCode, oauthProviders } from './oauth.ts';
import { testConnection, testSheet } from './probe.ts';
import { connectionAad, sheetAad } from './secrets.ts';

const OAUTH_STATE_AAD = 'oauth-state';

type OAuthContext = { state: string; userId: number; target: Service | 'sheets'; accountId: string; expiresAt: number };

/**
 * The connectors as the API package sees them (its ConnectorsPort, matched structurally, so the API does
 * not depend on this package): sealing, "test connection", and OAuth where the operator configured it.
 */
export function connectorsPort(deps: ConnectorDeps) {
  const { box, settings } = deps;
  const providers = oauthProviders(settings);
  const seal = (secret: Record<string, unknown>, aad: string) => {
    if (!box) throw new Error('no SECRETS_KEY');
    return box.seal(secret, aad);
  };
  return {
    canSeal: box !== undefined,
    sealConnection: (userId: number, service: Service, secret: Record<string, unknown>) =>
      seal(secret, connectionAad(userId, service)),
    sealSheet: (userId: number, secret: Record<string, unknown>) => seal(secret, sheetAad(userId)),
    testConnection: (db: Db, userId: number, service: Service) => testConnection(deps, db, userId, service),
    testSheet: (db: Db, userId: number) => testSheet(deps, db, userId),
    ...(box && providers.length
      ? {
          oauth: {
            providers,
            authorizeUrl: (input: Parameters<typeof authorizeUrl>[1]) => authorizeUrl(settings, input),
            exchange: (input: Parameters<typeof exchangeCode>[1]) => exchangeCode(settings, input),
            // The flow's context travels in an authenticated-encrypted cookie: any instance can finish it.
            sealContext: <T extends OAuthContext>(context: T) => box.seal(context, OAUTH_STATE_AAD),
            openContext: <T extends OAuthContext>(sealed: string): T | undefined => {
              try {
                return box.open<T>(sealed, OAUTH_STATE_AAD);
              } catch {
                return undefined;
              }
            },
          },
        }
      : {}),
  };
}
