import { describe, expect, it } from 'vitest';
import { dayInZone, localDay } from './kpi-history.ts';

describe('dayInZone', () => {
  // 18:48 UTC on 1 December: already 2 December in Kolkata and Kiritimati, still 1 December in the Americas.
  const now = new Date('2026-12-01T18:48:00Z');

  it("answers yesterday in the source's zone, not the browser's", () => {
    expect(dayInZone(now, 1, 'Asia/Kolkata')).toBe('2026-12-01');
    expect(dayInZone(now, 1, 'Pacific/Kiritimati')).toBe('2026-12-01');
    expect(dayInZone(now, 1, 'America/New_York')).toBe('2026-11-30');
    expect(dayInZone(now, 1, 'Pacific/Pago_Pago')).toBe('2026-11-30');
  });

  it('counts whole days back across a month end', () => {
    expect(dayInZone(now, 0, 'Asia/Kolkata')).toBe('2026-12-02');
    expect(dayInZone(now, 31, 'Asia/Kolkata')).toBe('2026-11-01');
  });

  it("uses the browser's day when the zone is not known yet", () => {
    expect(dayInZone(now, 1)).toBe(localDay(now, 1));
  });
});
