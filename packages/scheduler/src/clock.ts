import { type Db, queryRows, sql } from '@kpi/db';

export type TimerHandle = { cancel: () => void };

/** Time as the engine sees it: injected so tests can move it, and so production can follow the database. */
export interface Clock {
  now(): Date;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * Tasks repeated on a clock: the next pass is armed when the last one has finished (passes never overlap),
 * a failing pass is reported and the loop goes on, and nothing runs while `active` answers false.
 */
export class Loops {
  private readonly handles = new Set<TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { active: () => boolean; failed: (error: unknown) => void },
  ) {}

  every(ms: number, task: () => Promise<void>): void {
    const arm = () => {
      const handle = this.clock.setTimer(async () => {
        this.handles.delete(handle);
        if (!this.options.active()) return;
        await task().catch(this.options.failed);
        arm();
      }, ms);
      this.handles.add(handle);
    };
    arm();
  }

  cancel(): void {
    for (const handle of this.handles) handle.cancel();
    this.handles.clear();
  }
}

/**
 * The system clock corrected to the database server's clock, re-measured every minute. Claims compare
 * `next_run_at` with this time, so an instance whose own clock is minutes off still fires on time and
 * agrees with every other instance about what is due.
 */
export async function databaseClock(db: Db, refreshMs = 60_000): Promise<Clock & { offsetMs: () => number; stop: () => void }> {
  let offset = 0;
  // The answer's time lies somewhere within the round trip, so the midpoint is off by up to half of it.
  // The first query of a cold pool also opens its connection (seconds on a loaded host): of three
  // samples, the one with the shortest round trip is kept, as NTP does.
  const measure = async () => {
    let best: { roundTripMs: number; offsetMs: number } | undefined;
    for (let sample = 0; sample < 3; sample++) {
      const sent = Date.now();
      const [row] = await queryRows<{ now: Date | string }>(db, sql`SELECT clock_timestamp() AS now`);
      const received = Date.now();
      if (!row) continue;
      const candidate = { roundTripMs: received - sent, offsetMs: new Date(row.now).getTime() - (sent + received) / 2 };
      if (!best || candidate.roundTripMs < best.roundTripMs) best = candidate;
    }
    if (best) offset = best.offsetMs;
  };
  await measure().catch(() => undefined);
  const timer = setInterval(() => void measure().catch(() => undefined), refreshMs);
  timer.unref?.();
  return {
    now: () => new Date(Date.now() + offset),
    setTimer: systemClock.setTimer,
    offsetMs: () => offset,
    stop: () => clearInterval(timer),
  };
}
