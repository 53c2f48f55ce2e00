import type { Clock, TimerHandle } from './clock.ts';

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
