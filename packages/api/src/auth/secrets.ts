import { createHash, randomBytes } from 'node:crypto';

/** A new random secret: 32 bytes (256 bits) in base64url after a readable prefix. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * Secrets are stored only as SHA-256. They are 256-bit random values, so a fast hash is enough (no
 * dictionary to attack), and looking up by hash means the raw value is never compared byte by byte.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export const API_TOKEN_PREFIX = 'kpi_';
export const SESSION_PREFIX = 's_';
// A well-formed secret is the prefix and 43 base64url characters; anything else is rejected unhashed.
export const isWellFormedSecret = (value: string, prefix: string): boolean =>
  value.length === prefix.length + 43 && value.startsWith(prefix) && /^[A-Za-z0-9_-]+$/.test(value.slice(prefix.length));
