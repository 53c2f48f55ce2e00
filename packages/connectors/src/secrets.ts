import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a secret must be sealed or opened and the operator gave no key (or a different one). */
export class SecretsUnavailableError extends Error {
  override readonly name = 'SecretsUnavailableError';
}

/**
 * AES-256-GCM envelopes for credentials at rest: `v1.<key id>.<base64url(iv | tag | ciphertext)>`.
 * The additional authenticated data binds a blob to its row (`connection:<user>:<service>`), so a
 * ciphertext copied into another user's row does not open. The key id (a hash prefix of the key) lets
 * a key change be reported as such instead of as corrupt data.
 */
export class SecretBox {
  private readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secrets key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  static fromBase64(encoded: string): SecretBox {
    return new SecretBox(Buffer.from(encoded, 'base64'));
  }

  seal(value: Record<string, unknown>, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `${VERSION}.${this.keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open<T extends Record<string, unknown>>(sealed: string, aad: string): T {
    const [version, keyId, payload] = sealed.split('.');
    if (version !== VERSION || !keyId || !payload)
      throw new SecretsUnavailableError('the stored secret is not a sealed envelope');
    if (keyId !== this.keyId) {
      throw new SecretsUnavailableError('the stored secret was sealed with another SECRETS_KEY; save the credential again');
    }
    const raw = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }
}

export const connectionAad = (userId: number, service: string): string => `connection:${userId}:${service}`;
export const sheetAad = (userId: number): string => `sheet:${userId}`;

export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * The embedded mode's key: read from `<dataDir>/secrets.key`, created (mode 0600) on first start. With
 * PGlite the data and the key sit on the same disk, so this protects dumps and copies of the database,
 * not a stolen disk; PostgreSQL deployments pass SECRETS_KEY instead.
 */
export async function loadOrCreateKeyFile(dataDir: string): Promise<{ box: SecretBox; created: boolean }> {
  const path = join(dataDir, SECRETS_KEY_FILE);
  try {
    const encoded = (await readFile(path, 'utf8')).trim();
    return { box: SecretBox.fromBase64(encoded), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx' fails if another process created the file meanwhile; then read theirs.
  try {
    await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKeyFile(dataDir);
    throw error;
  }
  await chmod(path, 0o600);
  return { box: new SecretBox(key), created: true };
}
