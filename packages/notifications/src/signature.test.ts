import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './signature.ts';

describe('webhook signature', () => {
  const body = '{"id":"e1","type":"run.failed"}';

  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const expected = createHmac('sha256', 'whsec_x').update(`1700000000.${body}`).digest('hex');
    expect(signWebhook('whsec_x', body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies, and refuses another secret, a changed body and an old timestamp', () => {
    const header = signWebhook('whsec_x', body, 1_700_000_000);
    expect(verifyWebhookSignature('whsec_x', header, body, { nowSeconds: 1_700_000_010 })).toBe(true);
    expect(verifyWebhookSignature('whsec_y', header, body, { nowSeconds: 1_700_000_010 })).toBe(false);
    expect(verifyWebhookSignature('whsec_x', header, `${body} `, { nowSeconds: 1_700_000_010 })).toBe(false);
    expect(verifyWebhookSignature('whsec_x', header, body, { nowSeconds: 1_700_001_000 })).toBe(false);
    expect(verifyWebhookSignature('whsec_x', 'v1=abc', body, { nowSeconds: 1_700_000_010 })).toBe(false);
  });
});
