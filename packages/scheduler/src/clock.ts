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
 * The system clock corrected to the database server's clock, re-measured every minute. Claims compare
 * `next_run_at` with this time, so an instance whose own clock is minutes off still fires on time and
 * agrees with every other instance about what is due.
 */
export async function databaseClock(db: Db, refreshMs = 60_000): Promise<Clock & { offsetMs: () => number; stop: () => void }> {
  let offset = 0;
  const measure = async () => {
    const sent = Date.now();
    const [row] = await queryRows<{ now: Date | string }>(db, sql`SELECT clock_timestamp() AS now`);
    const received = Date.now();
    if (row) offset = new Date(row.now).getTime() - (sent + received) / 2;
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

/** A clock that moves only when told to; timers fire, in order, as `advance` passes them. */
export class FakeClock implements Clock {
  private current: number;
  private timers: Array<{ at: number; callback: () => void; id: number }> = [];
  private nextId = 0;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, delayMs), callback, id });
    return { cancel: () => (this.timers = this.timers.filter((timer) => timer.id !== id)) };
  }

  /** Sets the time (forwards or backwards) and fires every timer now due. */
  set(to: Date | string): void {
    this.current = new Date(to).getTime();
    this.fireDue();
  }

  advance(ms: number): void {
    this.set(new Date(this.current + ms));
  }

  /** When the earliest pending timer is due, or undefined when none is. */
  nextTimerAt(): Date | undefined {
    if (this.timers.length === 0) return undefined;
    return new Date(Math.min(...this.timers.map((timer) => timer.at)));
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  private fireDue(): void {
    const due = this.timers.filter((timer) => timer.at <= this.current).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((timer) => timer.at > this.current);
    for (const timer of due) timer.callback();
  }
}
