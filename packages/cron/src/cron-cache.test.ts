import { describe, expect, it } from 'vitest';
import { CRON_OPTIONS, cronCacheSize, cronFor } from './cron-cache.ts';

// The documented bound of the shared Cron objects (cron-cache.ts); a Cron costs about 83 KB.
const CACHE_LIMIT = 512;
const distinct = (i: number) => `${i % 60} ${Math.floor(i / 60) % 24} ${(Math.floor(i / 1440) % 28) + 1} * *`;

describe('cronFor', () => {
  it('shares one Cron per (expression, zone) and tells zones apart', () => {
    const a = cronFor('0 2 * * *', 'Asia/Kolkata');
    expect(cronFor('0 2 * * *', 'Asia/Kolkata')).toBe(a);
    expect(cronFor('0 2 * * *', 'UTC')).not.toBe(a);
    expect(cronFor('0 3 * * *', 'Asia/Kolkata')).not.toBe(a);
  });

  it('keeps its objects paused: they compute dates and never run anything', () => {
    const cron = cronFor('* * * * *', 'UTC');
    expect(CRON_OPTIONS.paused).toBe(true);
    expect(cron.isRunning()).toBe(false);
  });

  it('stays bounded under a stream of distinct expressions', () => {
    for (let i = 0; i < CACHE_LIMIT * 3; i++) cronFor(distinct(i), 'UTC');
    expect(cronCacheSize()).toBeLessThanOrEqual(CACHE_LIMIT);
    expect(cronCacheSize()).toBeGreaterThan(CACHE_LIMIT / 2);
  });

  it('evicts the least recently used entry, not a hot one', () => {
    const hot = cronFor('15 4 * * *', 'Europe/London');
    const cold = cronFor('45 4 * * *', 'Europe/London');
    for (let i = 0; i < CACHE_LIMIT * 2; i++) {
      cronFor(distinct(i + 5000), 'America/New_York');
      expect(cronFor('15 4 * * *', 'Europe/London')).toBe(hot);
    }
    expect(cronFor('45 4 * * *', 'Europe/London')).not.toBe(cold);
  });

  it('throws croner’s error for an invalid expression and caches nothing for it', () => {
    const before = cronCacheSize();
    expect(() => cronFor('61 * * * *', 'UTC')).toThrow(/minute/);
    expect(() => cronFor('0 0 * * 8', 'UTC')).toThrow(/dayOfWeek/);
    expect(cronCacheSize()).toBe(before);
  });
});
