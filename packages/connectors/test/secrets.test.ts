import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateKeyFile, SECRETS_KEY_FILE, SecretBox, SecretsUnavailableError } from '../src/secrets.ts';

describe('secret envelopes (AES-256-GCM)', () => {
  const box = SecretBox.fromBase64(Buffer.alloc(32, 1).toString('base64'));

  it('round-trips, never contains the plaintext, and differs on every seal', () => {
    const sealed = box.seal({ accessToken: 'EAAG-plaintext' }, 'connection:1:meta');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(sealed).not.toContain('EAAG');
    expect(box.seal({ accessToken: 'EAAG-plaintext' }, 'connection:1:meta')).not.toBe(sealed);
    expect(box.open(sealed, 'connection:1:meta')).toEqual({ accessToken: 'EAAG-plaintext' });
  });

  it('does not open in another row (bound data) or with another key, and says which', () => {
    const sealed = box.seal({ accessToken: 'x' }, 'connection:1:meta');
    expect(() => box.open(sealed, 'connection:2:meta')).toThrow();
    const other = SecretBox.fromBase64(Buffer.alloc(32, 2).toString('base64'));
    expect(() => other.open(sealed, 'connection:1:meta')).toThrow(SecretsUnavailableError);
    expect(() => SecretBox.fromBase64('c2hvcnQ=')).toThrow(/32 bytes/);
  });

  it('embedded mode: creates the key file once with mode 0600, then reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kpi-keys-'));
    const first = await loadOrCreateKeyFile(dir);
    expect(first.created).toBe(true);
    expect((await stat(join(dir, SECRETS_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(join(dir, SECRETS_KEY_FILE), 'utf8')).trim(), 'base64')).toHaveLength(32);
    const second = await loadOrCreateKeyFile(dir);
    expect(second.created).toBe(false);
    expect(second.box.open(first.box.seal({ a: 1 }, 'x'), 'x')).toEqual({ a: 1 });
  });
});
