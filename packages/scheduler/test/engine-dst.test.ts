import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/testing.ts';
import { createUsers, insertSchedule, noopHandlers, runsOf, testScheduler, walk } from './support.ts';

// Fire instants across DST transitions, pinned as literals (what croner documents: a fixed-time job runs
// once in a repeated hour, at the first pass, and right after a skipped hour; an interval job runs on
// both passes of a repeated hour and skips times that do not exist). The engine must produce exactly these.
const CASES = [
  {
    name: 'New York, spring forward: 02:30 does not exist on 8 March, fires at 03:00 EDT',
    zone: 'America/New_York',
    cron: '30 2 * * *',
    from: '2026-03-07T00:00:00Z',
    to: '2026-03-09T12:00:00Z',
    fires: ['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
  },
  {
    name: 'New York, fall back: 01:30 happens twice on 1 November, fires once at the first',
    zone: 'America/New_York',
    cron: '30 1 * * *',
    from: '2026-10-31T00:00:00Z',
    to: '2026-11-02T12:00:00Z',
    fires: ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  },
  {
    name: 'New York, fall back: an interval job runs in both passes of the repeated hour',
    zone: 'America/New_York',
    cron: '*/30 1 * * *',
    from: '2026-11-01T04:00:00Z',
    to: '2026-11-01T08:00:00Z',
    fires: ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T06:30:00.000Z'],
  },
  {
    name: 'London, spring forward: 01:30 does not exist on 29 March, fires at 02:00 BST',
    zone: 'Europe/London',
    cron: '30 1 * * *',
    from: '2026-03-27T12:00:00Z',
    to: '2026-03-30T12:00:00Z',
    fires: ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
  },
  {
    name: 'London, fall back: 01:30 happens twice on 25 October, fires once at the first (BST)',
    zone: 'Europe/London',
    cron: '30 1 * * *',
    from: '2026-10-24T12:00:00Z',
    to: '2026-10-26T12:00:00Z',
    fires: ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
  },
  {
    name: 'Sydney, spring forward: 02:30 does not exist on 4 October, fires at 03:00 AEDT',
    zone: 'Australia/Sydney',
    cron: '30 2 * * *',
    from: '2026-10-02T00:00:00Z',
    to: '2026-10-04T18:00:00Z',
    fires: ['2026-10-02T16:30:00.000Z', '2026-10-03T16:00:00.000Z', '2026-10-04T15:30:00.000Z'],
  },
  {
    name: 'Sydney, fall back: 02:30 happens twice on 5 April, fires once at the first (AEDT)',
    zone: 'Australia/Sydney',
    cron: '30 2 * * *',
    from: '2026-04-03T12:00:00Z',
    to: '2026-04-05T18:00:00Z',
    fires: ['2026-04-03T15:30:00.000Z', '2026-04-04T15:30:00.000Z', '2026-04-05T16:30:00.000Z'],
  },
  {
    name: 'Kolkata (UTC+05:30, no DST): 02:00 is 20:30Z the previous UTC day',
    zone: 'Asia/Kolkata',
    cron: '0 2 * * *',
    from: '2026-03-07T00:00:00Z',
    to: '2026-03-09T00:00:00Z',
    fires: ['2026-03-07T20:30:00.000Z', '2026-03-08T20:30:00.000Z'],
  },
  {
    name: 'Kathmandu (UTC+05:45, no DST): 09:00 is 03:15Z',
    zone: 'Asia/Kathmandu',
    cron: '0 9 * * *',
    from: '2026-03-07T00:00:00Z',
    to: '2026-03-09T00:00:00Z',
    fires: ['2026-03-07T03:15:00.000Z', '2026-03-08T03:15:00.000Z'],
  },
] as const;

describe.each(BACKENDS)('fires across DST on %s (injected clock)', (backend) => {
  let database: TestDatabase;
  let users: number[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database, CASES.length);
  });
  afterAll(() => database?.dispose());

  it.each(CASES.map((c, index) => ({ ...c, index })))('$name', async ({ zone, cron, from, to, fires, index }) => {
    const userId = users[index] as number;
    const clock = new FakeClock(from);
    await insertSchedule(database, { userId, cron, timezone: zone, from: new Date(from) });
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    await walk(clock, scheduler, new Date(to));
    await scheduler.stop(1_000);
    const runs = await runsOf(database);
    const mine = runs.filter((run) => run.user_id === userId);
    expect(mine.map((run) => run.scheduled_for)).toEqual(fires);
    expect(mine.every((run) => run.trigger === 'cron' && run.status === 'succeeded')).toBe(true);
  });
});
