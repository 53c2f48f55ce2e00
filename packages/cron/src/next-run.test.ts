import { describe, expect, it } from 'vitest';
import { computeNextRun, computeNextRuns } from './next-run.ts';

const iso = (dates: Array<Date | null>) => dates.map((d) => d?.toISOString() ?? null);

// What croner does around DST, pinned (the README's scheduler section says the same): a fixed-time fire inside a skipped hour runs at the
// first instant after the gap; a fixed-time fire inside a repeated hour runs once, at its first occurrence;
// interval patterns follow the wall clock, so they fire in both copies of a repeated hour.
describe('computeNextRun', () => {
  it('Asia/Kolkata: 02:00 local is 20:30Z on the previous UTC day', () => {
    expect(computeNextRun('0 2 * * *', 'Asia/Kolkata', new Date('2023-10-01T00:00:00Z'))?.toISOString()).toBe(
      '2023-10-01T20:30:00.000Z',
    );
    // Strictly after: asking at the fire itself gives the next day's.
    expect(computeNextRun('0 2 * * *', 'Asia/Kolkata', new Date('2023-10-01T20:30:00Z'))?.toISOString()).toBe(
      '2023-10-02T20:30:00.000Z',
    );
  });

  it('Asia/Kathmandu (+05:45) has no DST', () => {
    expect(iso(computeNextRuns('0 2 * * *', 'Asia/Kathmandu', new Date('2024-10-05T12:00:00Z'), 2))).toEqual([
      '2024-10-05T20:15:00.000Z',
      '2024-10-06T20:15:00.000Z',
    ]);
  });

  it('a zone alias computes the same fires as its canonical name', () => {
    const from = new Date('2024-03-09T12:00:00Z');
    expect(iso(computeNextRuns('0 2 * * *', 'Asia/Calcutta', from, 3))).toEqual(
      iso(computeNextRuns('0 2 * * *', 'Asia/Kolkata', from, 3)),
    );
  });

  it('America/New_York spring forward: 02:30 does not exist on 2024-03-10 and fires at 03:00 EDT', () => {
    expect(iso(computeNextRuns('30 2 * * *', 'America/New_York', new Date('2024-03-09T12:00:00Z'), 3))).toEqual([
      '2024-03-10T07:00:00.000Z',
      '2024-03-11T06:30:00.000Z',
      '2024-03-12T06:30:00.000Z',
    ]);
  });

  it('America/New_York fall back: 01:30 happens twice on 2024-11-03 and fires once, at the first (EDT)', () => {
    expect(iso(computeNextRuns('30 1 * * *', 'America/New_York', new Date('2024-11-02T12:00:00Z'), 2))).toEqual([
      '2024-11-03T05:30:00.000Z',
      '2024-11-04T06:30:00.000Z',
    ]);
    // From inside the repeated hour, the second 01:30 (EST) is not a fire.
    expect(computeNextRun('30 1 * * *', 'America/New_York', new Date('2024-11-03T05:45:00Z'))?.toISOString()).toBe(
      '2024-11-04T06:30:00.000Z',
    );
  });

  it('America/New_York: interval patterns follow the wall clock through both transitions', () => {
    expect(iso(computeNextRuns('30 * * * *', 'America/New_York', new Date('2024-03-10T06:00:00Z'), 3))).toEqual([
      '2024-03-10T06:30:00.000Z',
      '2024-03-10T07:30:00.000Z',
      '2024-03-10T08:30:00.000Z',
    ]);
    expect(iso(computeNextRuns('*/30 * * * *', 'America/New_York', new Date('2024-11-03T05:00:00Z'), 4))).toEqual([
      '2024-11-03T05:30:00.000Z',
      '2024-11-03T06:00:00.000Z',
      '2024-11-03T06:30:00.000Z',
      '2024-11-03T07:00:00.000Z',
    ]);
  });

  it('Europe/London: 01:30 on the spring-forward day fires at 02:00 BST; on the fall-back day once', () => {
    expect(iso(computeNextRuns('30 1 * * *', 'Europe/London', new Date('2024-03-30T12:00:00Z'), 2))).toEqual([
      '2024-03-31T01:00:00.000Z',
      '2024-04-01T00:30:00.000Z',
    ]);
    expect(iso(computeNextRuns('30 1 * * *', 'Europe/London', new Date('2024-10-26T12:00:00Z'), 2))).toEqual([
      '2024-10-27T00:30:00.000Z',
      '2024-10-28T01:30:00.000Z',
    ]);
  });

  it('Australia/Sydney (southern hemisphere): the gap in October, the repeat in April', () => {
    expect(iso(computeNextRuns('30 2 * * *', 'Australia/Sydney', new Date('2024-10-05T12:00:00Z'), 2))).toEqual([
      '2024-10-05T16:00:00.000Z',
      '2024-10-06T15:30:00.000Z',
    ]);
    expect(iso(computeNextRuns('30 2 * * *', 'Australia/Sydney', new Date('2024-04-06T12:00:00Z'), 2))).toEqual([
      '2024-04-06T15:30:00.000Z',
      '2024-04-07T16:30:00.000Z',
    ]);
  });

  it('returns null for an expression that never fires, and the 6-field form counts seconds', () => {
    expect(computeNextRun('0 0 30 2 *', 'UTC', new Date('2024-01-01T00:00:00Z'))).toBeNull();
    expect(computeNextRun('15 0 2 * * *', 'UTC', new Date('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-01-01T02:00:15.000Z',
    );
  });

  it('does not depend on the process time zone', () => {
    // The result is an instant; formatting it in any zone gives back the same UTC string.
    const next = computeNextRun('0 9 * * 1-5', 'Europe/London', new Date('2024-07-05T10:00:00Z'));
    expect(next?.toISOString()).toBe('2024-07-08T08:00:00.000Z');
  });
});
