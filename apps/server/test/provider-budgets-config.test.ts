import { DEFAULT_PROVIDER_LIMITS } from '@kpi/connectors';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('provider concurrency settings', () => {
  it('default to the connectors’ caps and reach the connector settings', () => {
    expect(loadConfig({}).connectors.providerLimits).toEqual(DEFAULT_PROVIDER_LIMITS);
    expect(
      loadConfig({ META_MAX_CONCURRENCY: '10', GOOGLE_MAX_CONCURRENCY: ' 25 ', SHOPIFY_MAX_CONCURRENCY: '1000' }).connectors
        .providerLimits,
    ).toEqual({ meta: 10, google: 25, shopify: 1000 });
  });

  for (const name of ['META_MAX_CONCURRENCY', 'GOOGLE_MAX_CONCURRENCY', 'SHOPIFY_MAX_CONCURRENCY']) {
    it(`${name}: 0, negative, fractional, non-numeric, empty or over 1000 stop the start with the setting named`, () => {
      expect(() => loadConfig({ [name]: '0' })).toThrow(new RegExp(`${name}: ${name} must be at least 1`));
      expect(() => loadConfig({ [name]: '1001' })).toThrow(new RegExp(`${name} must be at most 1000`));
      for (const value of ['-1', '2.5', 'ten', '', '1e3', '0x10']) {
        expect(() => loadConfig({ [name]: value }), value).toThrow(new RegExp(`${name} must be a whole number from 1 to 1000`));
      }
    });
  }
});
