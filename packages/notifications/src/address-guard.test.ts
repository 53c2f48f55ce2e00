import { describe, expect, it } from 'vitest';
import { isBlockedAddress, resolveWebhookTarget, WebhookRefused } from './address-guard.ts';

describe('webhook address policy', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.4.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    'not-an-ip',
  ])('%s is not public', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );

  it('refuses non-https, credentials in the URL, and names resolving to loopback', async () => {
    const refuse = (url: string, allowPrivate = false) =>
      resolveWebhookTarget(url, { allowPrivate }).then(
        () => 'allowed',
        (error: unknown) => (error instanceof WebhookRefused ? error.message : String(error)),
      );
    expect(await refuse('http://8.8.8.8/hook')).toBe('webhook_url must start with https://');
    expect(await refuse('ftp://8.8.8.8/hook', true)).toBe('webhook_url must start with https://');
    expect(await refuse('https://user:pw@8.8.8.8/hook')).toBe('webhook_url must not carry a user name or password');
    expect(await refuse('https://localhost/hook')).toMatch(/resolves to (127\.0\.0\.1|::1), a private/);
    expect(await refuse('https://[::ffff:7f00:1]/hook')).toMatch(/a private, loopback or link-local address/);
    expect(await refuse('https://8.8.8.8/hook')).toBe('allowed');
    // The operator's switch for self-hosted receivers: private targets and http.
    expect(await refuse('http://127.0.0.1:9/hook', true)).toBe('allowed');
  });
});
