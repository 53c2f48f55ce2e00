import { createVerify, type KeyObject } from 'node:crypto';
import type { FakeAnswer } from './http-fake.ts';

export type JwtClaims = { iss: string; scope: string; aud: string; iat: number; exp: number };

/** Google's token endpoint refuses a bad assertion with 400 and an OAuth error code. */
const refuse = (error: string, description: string): FakeAnswer => ({
  status: 400,
  json: { error, error_description: description },
});

/**
 * The jwt-bearer grant as Google checks it: an RS256 JWT signed with a key of the service account named
 * in `iss`, for this token endpoint (`aud`), with a scope, issued now and valid for at most an hour.
 * Returns the claims, or the refusal Google would answer.
 */
export function checkJwtGrant(
  assertion: string,
  options: { keys: ReadonlyMap<string, KeyObject>; audience: string; nowSeconds: number },
): JwtClaims | FakeAnswer {
  const parts = assertion.split('.');
  const [head, body, signature] = parts;
  if (parts.length !== 3 || !head || !body || !signature) return refuse('invalid_grant', 'Invalid JWT: malformed.');
  const header = decode(head);
  const claims = decode(body) as Partial<JwtClaims> | undefined;
  if (header?.alg !== 'RS256' || !claims) return refuse('invalid_grant', 'Invalid JWT: unsupported algorithm or encoding.');
  const key = typeof claims.iss === 'string' ? options.keys.get(claims.iss) : undefined;
  if (!key) return refuse('invalid_grant', 'Invalid grant: account not found');
  if (!createVerify('RSA-SHA256').update(`${head}.${body}`).verify(key, signature, 'base64url')) {
    return refuse('invalid_grant', 'Invalid JWT Signature.');
  }
  if (claims.aud !== options.audience) return refuse('invalid_grant', 'Invalid JWT: Failed audience check.');
  const { iat, exp } = claims;
  // Google allows a little clock skew, but not a token issued in the future or living over an hour.
  if (
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    exp - iat > 3600 ||
    iat > options.nowSeconds + 300 ||
    exp < options.nowSeconds
  ) {
    return refuse(
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  if (typeof claims.scope !== 'string' || !claims.scope.startsWith('https://www.googleapis.com/auth/')) {
    return refuse('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  }
  return claims as JwtClaims;
}

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
