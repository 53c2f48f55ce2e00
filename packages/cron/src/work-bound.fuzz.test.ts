import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateCron } from './validate-cron.ts';

// Attackers choose the expression, the zone and the start (the public preview takes all three), so the
// bound must hold for the expressions croner finds hardest: sparse or impossible day patterns, where
// croner walks the calendar a day at a time. The figure is CPU time of this process, the least of two
// runs of the same call, so a neighbour's load on the machine does not count against it.
const BOUND_MS = 30;

const dayOfMonth = fc.oneof(
  fc.constantFrom('*', '?', 'L', 'LW', '1-7', '8-14', '29', '30', '31', '13', '1W', '15W', '29-31', '28-31/3'),
  fc.integer({ min: 1, max: 31 }).map(String),
  fc.uniqueArray(fc.integer({ min: 1, max: 31 }), { minLength: 2, maxLength: 4 }).map((days) => days.join(',')),
);
const weekday = fc.integer({ min: 0, max: 7 }).map(String);
const dayOfWeek = fc.oneof(
  fc.constantFrom('*', '?', 'MON', 'SUN-SAT', '1-5', '5L', '0L', '1#5', '2#5', '6#5', '0#1'),
  weekday,
  fc.tuple(weekday, fc.integer({ min: 1, max: 5 })).map(([day, nth]) => `${day}#${nth}`),
  fc.tuple(weekday, fc.constantFrom('L', '')).map(([day, last]) => `${day}${last}`),
);
const month = fc.oneof(fc.constantFrom('*', '2', '2,4', 'FEB', '4,6,9,11', '*/5'), fc.integer({ min: 1, max: 12 }).map(String));
const time = fc.constantFrom('0 0', '*/15 *', '59 23', '0,59 0,23', '30 1', '* *');
const seconds = fc.constantFrom('', '0 ', '*/10 ', '* ');
const andLogic = fc.boolean();
const expression = fc
  .tuple(seconds, time, dayOfMonth, month, andLogic, dayOfWeek)
  .map(([s, t, dom, mon, and, dow]) => `${s}${t} ${dom} ${mon} ${and ? '+' : ''}${dow}`);
const zone = fc.constantFrom(
  'America/Santiago',
  'Africa/Casablanca',
  'UTC',
  'Europe/London',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Apia',
);
const start = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('9990-01-01T00:00:00Z'), noInvalidDate: true });

function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe('the work of validateCron is bounded, whatever the expression', () => {
  it(`takes at most ${BOUND_MS} ms of CPU for any expression, zone and start, accepted or not`, () => {
    let worst = { ms: 0, cron: '' };
    fc.assert(
      fc.property(expression, zone, start, (cron, timeZone, from) => {
        const check = () => validateCron(cron, { minIntervalSeconds: 60, timeZone, from });
        const ms = Math.min(cpuMs(check), cpuMs(check));
        if (ms > worst.ms) worst = { ms, cron: `${cron} in ${timeZone} from ${from.toISOString()}` };
        expect(ms, cron).toBeLessThanOrEqual(BOUND_MS);
      }),
      { numRuns: 600 },
    );
    if (process.env.KPI_PRINT_WORST) process.stdout.write(`worst: ${worst.ms.toFixed(1)} ms for ${worst.cron}\n`);
  });
});
