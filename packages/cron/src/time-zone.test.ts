import { describe, expect, it } from 'vitest';
import { isValidTimeZone, TIMEZONE_MAX_LENGTH } from './time-zone.ts';

describe('isValidTimeZone', () => {
  it.each([
    'Asia/Kolkata',
    'Asia/Calcutta', // the pre-2008 alias of Asia/Kolkata, still in every tzdata
    'Asia/Kathmandu',
    'Asia/Katmandu',
    'America/New_York',
    'US/Eastern',
    'America/Argentina/Buenos_Aires',
    'Europe/London',
    'Australia/Sydney',
    'UTC',
    'Etc/UTC',
    'Etc/GMT+5',
    'Etc/GMT-14',
  ])('accepts the IANA name %j', (name) => {
    expect(isValidTimeZone(name)).toBe(true);
  });

  it.each([
    ['an offset', '+05:30'],
    ['a negative offset', '-08:00'],
    ['a zero offset', '+00:00'],
    ['a compact offset', '+0530'],
    ['UTC with an offset', 'UTC+05:30'],
    ['GMT with an offset', 'GMT+0530'],
    ['an unknown zone', 'Mars/Phobos'],
    ['a misspelt zone', 'Asia/Kolkataa'],
    ['a region only', 'Asia'],
    ['Etc beyond its range', 'Etc/GMT+15'],
    ['the empty string', ''],
    ['a trailing space', 'Asia/Kolkata '],
    ['a leading space', ' Asia/Kolkata'],
    ['an inner space', 'America/New York'],
    ['a NUL byte', 'Asia/Kolkata\u0000'],
    ['path traversal', '../../etc/passwd'],
    ['path traversal inside a zone', 'Europe/../../etc/passwd'],
    ['an absolute path', '/etc/localtime'],
    ['a backslash', 'Asia\\Kolkata'],
    ['a trailing slash', 'Europe/London/'],
    ['a double slash', 'Asia//Kolkata'],
    ['full-width letters', 'Ａsia/Kolkata'],
    ['SQL', "Asia/Kolkata' OR '1'='1"],
    ['a name too long for the column', `Etc/${'A'.repeat(TIMEZONE_MAX_LENGTH)}`],
  ])('rejects %s (%j)', (_label, name) => {
    expect(isValidTimeZone(name)).toBe(false);
  });

  it('rejects anything longer than the column before asking Intl', () => {
    // 51 characters of a shape that would otherwise pass the pattern check.
    const name = `America/${'x'.repeat(TIMEZONE_MAX_LENGTH - 'America/'.length + 1)}`;
    expect(name).toHaveLength(TIMEZONE_MAX_LENGTH + 1);
    expect(isValidTimeZone(name)).toBe(false);
  });

  it('gives the same answer when asked again (the cache never flips a verdict)', () => {
    for (let i = 0; i < 3; i++) {
      expect(isValidTimeZone('Asia/Calcutta')).toBe(true);
      expect(isValidTimeZone('+05:30')).toBe(false);
      expect(isValidTimeZone('Nowhere/Special')).toBe(false);
    }
  });
});
