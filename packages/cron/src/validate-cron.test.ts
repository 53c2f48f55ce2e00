import { describe, expect, it } from 'vitest';
import { CRON_MAX_LENGTH } from './cron-cache.ts';
import { validateCron } from './validate-cron.ts';

const from = new Date('2024-01-01T00:00:00Z');
const check = (expression: string, minIntervalSeconds = 60, timeZone?: string) =>
  validateCron(expression, { minIntervalSeconds, from, ...(timeZone ? { timeZone } : {}) });

describe('validateCron', () => {
  it.each([
    '0 2 * * *',
    '* * * * *',
    '*/5 * * * *',
    '0 12 * * 1-5',
    '0 0 * * MON',
    '0 0 * * SUN-SAT',
    '0 0 * * 7',
    '0 0 L * *',
    '0 0 29 2 *',
    '0 0 * * 5#2',
    '30 0 2 * * *',
    '0 0 ? * *',
  ])('accepts %j', (expression) => {
    expect(check(expression)).toBeNull();
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    [' 0 2 * * *', 'leading or trailing spaces'],
    ['0 2 * * * ', 'leading or trailing spaces'],
    ['0 2 * * *\n', 'leading or trailing spaces'],
    ['@daily', 'characters cron does not use'],
    ['0 2 * * *; DROP TABLE job_schedules', 'characters cron does not use'],
    ['1.5 * * * *', 'characters cron does not use'],
    ['*', 'got 1'],
    ['0 2 * *', 'got 4'],
    ['0 0 2 * * * 2030', 'got 7'],
    ['60 * * * *', 'minute'],
    ['0 24 * * *', 'hour'],
    ['0 0 32 * *', 'day'],
    ['0 0 * 13 *', 'month'],
    ['0 0 * * 8', 'dayOfWeek'],
    ['a b c d e', 'illegal characters'],
    ['*/0 * * * *', 'stepping'],
    ['5-1 * * * *', 'larger'],
  ])('rejects %j as INVALID_CRON (%s)', (expression, fragment) => {
    const problem = check(expression);
    expect(problem?.code).toBe('INVALID_CRON');
    expect(problem?.message).toContain(fragment);
  });

  it('rejects an expression longer than the column, even a valid one', () => {
    const long = `0 ${Array.from({ length: 24 }, (_, h) => h).join(',')} ${Array.from({ length: 28 }, (_, d) => d + 1).join(',')} * *`;
    expect(long.length).toBeGreaterThan(CRON_MAX_LENGTH);
    expect(check(long)).toMatchObject({ code: 'INVALID_CRON', message: expect.stringContaining(`${CRON_MAX_LENGTH}`) });
  });

  it.each(['0 0 30 2 *', '0 0 31 4 *', '0 0 31 2,4,6,9,11 *', '0 0 30-31 2 *'])(
    'rejects %j, which parses but never fires',
    (expression) => {
      expect(check(expression)?.code).toBe('CRON_NEVER_FIRES');
    },
  );

  it('enforces the minimum interval, and only that', () => {
    expect(check('* * * * * *')).toMatchObject({ code: 'CRON_TOO_FREQUENT', message: expect.stringContaining('every 1s') });
    expect(check('*/30 * * * * *')?.code).toBe('CRON_TOO_FREQUENT');
    expect(check('* * * * *', 61)?.code).toBe('CRON_TOO_FREQUENT');
    expect(check('* * * * *', 60)).toBeNull();
    expect(check('*/30 * * * * *', 30)).toBeNull();
    expect(check('* * * * * *', 0)).toBeNull();
  });

  it('finds the tightest gap of an irregular pattern, not the first one', () => {
    // Fires at :00 and :59 past the hour: a one-minute gap once an hour, behind a 59-minute one.
    expect(check('0,59 * * * *', 120)?.code).toBe('CRON_TOO_FREQUENT');
    expect(check('0,30 * * * *', 1800)).toBeNull();
  });

  it('counts the gaps DST makes: both passes of a repeated hour, the fires either side of a skipped one', () => {
    const around = (expression: string, timeZone: string, iso: string) =>
      validateCron(expression, { minIntervalSeconds: 120, timeZone, from: new Date(iso) });
    // 01:59 EDT (05:59Z), then 01:00 EST (06:00Z) on 1 November 2026: a minute apart.
    expect(around('0,59 1 * * *', 'America/New_York', '2026-10-25T00:00:00Z')).toMatchObject({
      code: 'CRON_TOO_FREQUENT',
      message: expect.stringContaining('every 60s'),
    });
    // 01:59 EST (06:59Z), then 03:00 EDT (07:00Z) on 8 March 2026.
    expect(around('0,59 1,3 * * *', 'America/New_York', '2026-03-01T00:00:00Z')?.code).toBe('CRON_TOO_FREQUENT');
    expect(around('0,59 1 * * *', 'UTC', '2026-10-25T00:00:00Z')).toBeNull();
    expect(around('0,59 1,3 * * *', 'UTC', '2026-03-01T00:00:00Z')).toBeNull();
    // A fixed-time job runs once in the repeated hour, so DST brings its fires no closer than 23 hours.
    expect(validateCron('30 1 * * *', { minIntervalSeconds: 7200, timeZone: 'America/New_York', from })).toBeNull();
    // With a minimum of a day, a daily job is 23 hours from its neighbour in spring; a weekly one is not.
    const daily = validateCron('0 2 * * *', { minIntervalSeconds: 86_400, timeZone: 'America/New_York', from });
    expect(daily).toMatchObject({ code: 'CRON_TOO_FREQUENT', message: expect.stringContaining('every 82800s') });
    expect(validateCron('0 2 * * 0', { minIntervalSeconds: 2 * 86_400, timeZone: 'America/New_York', from })).toBeNull();
  });

  it('finds the gap across midnight to the next day the pattern fires on', () => {
    expect(check('0,59 0,23 * * *', 120)).toMatchObject({
      code: 'CRON_TOO_FREQUENT',
      message: expect.stringContaining('every 60s'),
    });
    expect(check('0,59 0,23 * * 1,2', 120)?.code).toBe('CRON_TOO_FREQUENT');
    // Mondays and Wednesdays: 23:59 and the next 00:00 are never on consecutive days.
    expect(check('0,59 0,23 * * 1,3', 120)).toBeNull();
  });

  it('refuses a day pattern too rare to find within the look-ahead, quickly, and accepts a rare one that fits', () => {
    const started = process.cpuUsage();
    expect(check('0 0 1-7 * +1#5')).toMatchObject({ code: 'CRON_TOO_IRREGULAR', message: expect.stringContaining('5 years') });
    expect(check('0 0 29 2 +1')?.code).toBe('CRON_TOO_IRREGULAR');
    expect(check('0 0 13 * +5')).toBeNull();
    expect(check('0 0 29 2 *')).toBeNull();
    const used = process.cpuUsage(started);
    // Before the look-ahead, the first of these alone searched to the year 3000: about 500 ms.
    expect((used.user + used.system) / 1000).toBeLessThan(100);
  });
});
