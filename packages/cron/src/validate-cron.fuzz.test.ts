import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeNextRun, isValidTimeZone, validateCron } from './index.ts';

const FIELD = fc.oneof(
  fc.constantFrom(
    '*',
    '?',
    'L',
    'W',
    '#',
    '/',
    ',',
    '-',
    'MON',
    'JAN',
    '1#2',
    '5L',
    '*/0',
    '*/7',
    '0-59/3',
    '60',
    '-1',
    '99999999999',
  ),
  fc.integer({ min: -5, max: 70 }).map(String),
  fc.string({ maxLength: 6 }),
);
const CRONISH = fc.array(FIELD, { minLength: 0, maxLength: 8 }).map((fields) => fields.join(' '));

describe('cron and time-zone validation under fuzzing', () => {
  it('never throws, and whatever it accepts has a next fire', () => {
    fc.assert(
      fc.property(fc.oneof(CRONISH, fc.string({ maxLength: 120 })), (cron) => {
        const problem = validateCron(cron, {
          minIntervalSeconds: 1,
          timeZone: 'Europe/London',
          from: new Date('2026-01-01T00:00:00Z'),
        });
        if (problem === null) {
          expect(computeNextRun(cron, 'Europe/London', new Date('2026-01-01T00:00:00Z'))).toBeInstanceOf(Date);
        } else {
          expect(problem.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 4000 },
    );
  });

  it('never throws on a time-zone name, and accepts only names Intl resolves', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('UTC', 'Asia/Kolkata', '+05:30', 'GMT+5', '../../etc/passwd')),
        (zone) => {
          const valid = isValidTimeZone(zone);
          if (valid) expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
        },
      ),
      { numRuns: 3000 },
    );
  });
});
