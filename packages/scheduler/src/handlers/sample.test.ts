import { describe, expect, it } from 'vitest';
import { dateInZone, reportDateFor, sampleMetrics } from './sample.ts';

describe('sample connector', () => {
  it('reports the last complete day before the fire, in the schedule’s zone', () => {
    // 02:00 in Kolkata on 12 August is 20:30Z on the 11th.
    expect(reportDateFor(new Date('2026-08-11T20:30:00Z'), 'Asia/Kolkata')).toBe('2026-08-11');
    expect(dateInZone(new Date('2026-08-11T20:30:00Z'), 'Asia/Kolkata')).toBe('2026-08-12');
    expect(reportDateFor(new Date('2026-03-01T10:00:00Z'), 'UTC')).toBe('2026-02-28');
    expect(reportDateFor(new Date('2026-01-01T05:00:00Z'), 'America/New_York')).toBe('2025-12-31');
    // The day after the spring-forward night is still one calendar day later.
    expect(reportDateFor(new Date('2026-03-09T07:00:00Z'), 'America/New_York')).toBe('2026-03-08');
  });

  it('gives the same figures for the same (user, service, date), and different ones for another date', () => {
    expect(sampleMetrics(7, 'meta', '2026-08-11')).toEqual(sampleMetrics(7, 'meta', '2026-08-11'));
    expect(sampleMetrics(7, 'meta', '2026-08-11')).not.toEqual(sampleMetrics(7, 'meta', '2026-08-12'));
    expect(Object.keys(sampleMetrics(1, 'ga4', '2026-08-11'))).toEqual(['sessions', 'users', 'conversions']);
    expect(Object.keys(sampleMetrics(1, 'shopify', '2026-08-11'))).toEqual(['orders', 'revenue']);
  });
});
