import type { Db } from '@kpi/db';
import type { Advanced } from './claim-fires.ts';
import { ScheduleHeap } from './schedule-heap.ts';
import { changedScheduleIds, loadEnabledSchedules, readSchedules } from './schedule-reads.ts';

type Known = Advanced | { id: number; enabled: boolean; nextRunAt: Date | null };

const PAGE = 5_000;
const READ_CHUNK = 1_000;

/**
 * The enabled schedules this instance knows and their next fires, kept current from the database:
 * a full load at start-up (and after a lost LISTEN connection), re-reads of schedules known to have
 * changed, and a periodic pass over `updated_at` in case a notification was lost.
 */
export class ScheduleBook {
  private heap = new ScheduleHeap();
  private lastReconcile = 0;

  constructor(private readonly db: Db) {}

  get size(): number {
    return this.heap.size;
  }

  /** The earliest fire in ms, or undefined. */
  earliest(): number | undefined {
    return this.heap.peekTime();
  }

  dueIds(at: number, limit?: number): number[] {
    return this.heap.dueIds(at, limit);
  }

  /** Takes in what a claim or a read said about schedules: enabled ones with a next fire stay, others go. */
  apply(rows: Known[]): void {
    for (const row of rows) {
      const enabled = 'enabled' in row ? row.enabled : true;
      if (enabled && row.nextRunAt) this.heap.set(row.id, row.nextRunAt.getTime());
      else this.heap.delete(row.id);
    }
  }

  async refresh(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += READ_CHUNK) this.apply(await readSchedules(this.db, ids.slice(i, i + READ_CHUNK)));
  }

  /** Replaces everything known with the enabled schedules in the database, read in pages by id. */
  async reloadAll(now: number): Promise<void> {
    const fresh = new ScheduleHeap();
    let afterId = 0;
    for (;;) {
      const page = await loadEnabledSchedules(this.db, afterId, PAGE);
      for (const row of page) if (row.nextRunAt) fresh.set(row.id, row.nextRunAt.getTime());
      if (page.length < PAGE) break;
      afterId = (page[page.length - 1] as { id: number }).id;
    }
    this.heap = fresh;
    this.lastReconcile = now;
  }

  /** Re-reads the schedules users changed since the last pass; answers how many there were. */
  async reconcile(now: number): Promise<number> {
    // Overlap the windows a little: an update committed just before the last pass began is not missed.
    const since = new Date(Math.min(this.lastReconcile, now) - 5_000);
    this.lastReconcile = now;
    const ids = await changedScheduleIds(this.db, since);
    await this.refresh(ids);
    return ids.length;
  }
}
