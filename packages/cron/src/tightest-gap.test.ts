import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cronFor } from './cron-cache.ts';
import { sampleGaps } from './tightest-gap.ts';

// The gaps are computed from the fields and the zone's offset changes instead of by listing fires; these
// compare that with croner listing the fires one by one in the zone, which is what the engine runs.
function listedTightest(expression: string, timeZone: string, from: Date, count: number): number {
  const runs = cronFor(expression, timeZone).nextRuns(count, from);
  let tightest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) {
    tightest = Math.min(tightest, ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime()) / 1000);
  }
  return tightest;
}

const values = (max: number) =>
  fc.oneof(
    fc.constantFrom('*', `*/${Math.ceil(max / 4)}`, '0', `${max - 1}`),
    fc.uniqueArray(fc.integer({ min: 0, max: max - 1 }), { minLength: 1, maxLength: 3 }).map((list) => list.join(',')),
  );
const expression = fc
  .tuple(fc.boolean(), values(60), values(60), values(24), fc.constantFrom('* * *', '* * 0', '1-7 * *', '* 3,10,11 *'))
  .map(([withSeconds, second, minute, hour, days]) => `${withSeconds ? `${second} ` : ''}${minute} ${hour} ${days}`);
const zone = fc.constantFrom('UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago');
// Starts a few hours before a DST change, so that croner's list of fires crosses it.
const start = fc.constantFrom(
  '2026-03-08T04:00:00Z',
  '2026-03-29T00:00:00Z',
  '2026-10-25T00:00:00Z',
  '2026-11-01T03:00:00Z',
  '2026-04-04T12:00:00Z',
  '2026-10-03T13:00:00Z',
  '2026-06-15T10:00:00Z',
);

describe('sampleGaps', () => {
  it('never finds a gap wider than the tightest among the fires croner lists', () => {
    fc.assert(
      fc.property(expression, zone, start, (cron, timeZone, iso) => {
        const from = new Date(iso);
        const sample = sampleGaps(cron, timeZone, from, 0);
        expect(sample.fires).toBe(true);
        expect(sample.tightestSeconds, cron).toBeLessThanOrEqual(listedTightest(cron, timeZone, from, 200));
      }),
      { numRuns: 80 },
    );
  });

  it('in UTC, over a pattern croner lists days of, gives the verdict and the gap that croner lists', () => {
    fc.assert(
      fc.property(expression, start, (cron, iso) => {
        const from = new Date(iso);
        const listed = cronFor(cron, 'UTC').nextRuns(400, from);
        fc.pre(listed.length === 400 && (listed.at(-1) as Date).getTime() - from.getTime() > 3 * 86_400_000);
        const tightest = listedTightest(cron, 'UTC', from, 400);
        // Just over the tightest gap: refused, with that gap; at the gap: allowed.
        expect(sampleGaps(cron, 'UTC', from, tightest + 1).tightestSeconds, cron).toBe(tightest);
        expect(sampleGaps(cron, 'UTC', from, tightest).tightestSeconds, cron).toBeGreaterThanOrEqual(tightest);
      }),
      { numRuns: 30 },
    );
  });
});
