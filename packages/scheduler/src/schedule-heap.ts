/**
 * The enabled schedules this instance knows, ordered by next fire: an indexed binary min-heap over
 * parallel arrays, so one schedule costs a few dozen bytes (ids and times as numbers, no object each)
 * and the earliest fire, an insert, a move and a removal are all O(log n).
 */
export class ScheduleHeap {
  private ids: number[] = [];
  private times: number[] = [];
  private readonly position = new Map<number, number>();

  get size(): number {
    return this.ids.length;
  }

  /** The earliest fire time in ms, or undefined when empty. */
  peekTime(): number | undefined {
    return this.times[0];
  }

  has(id: number): boolean {
    return this.position.has(id);
  }

  timeOf(id: number): number | undefined {
    const index = this.position.get(id);
    return index === undefined ? undefined : this.times[index];
  }

  /** Inserts or moves a schedule. */
  set(id: number, time: number): void {
    const index = this.position.get(id);
    if (index === undefined) {
      this.ids.push(id);
      this.times.push(time);
      this.position.set(id, this.ids.length - 1);
      this.up(this.ids.length - 1);
      return;
    }
    const before = this.times[index] as number;
    this.times[index] = time;
    if (time < before) this.up(index);
    else this.down(index);
  }

  delete(id: number): void {
    const index = this.position.get(id);
    if (index === undefined) return;
    const last = this.ids.length - 1;
    this.swap(index, last);
    this.ids.pop();
    this.times.pop();
    this.position.delete(id);
    if (index < this.ids.length) {
      this.up(index);
      this.down(index);
    }
  }

  /** Ids whose time is at or before `time`, earliest first (at most `limit`). */
  dueIds(time: number, limit = Number.POSITIVE_INFINITY): number[] {
    const out: number[] = [];
    const stack = [0];
    while (stack.length > 0 && out.length < limit) {
      const index = stack.pop() as number;
      if (index >= this.ids.length || (this.times[index] as number) > time) continue;
      out.push(this.ids[index] as number);
      stack.push(2 * index + 2, 2 * index + 1);
    }
    return out;
  }

  clear(): void {
    this.ids = [];
    this.times = [];
    this.position.clear();
  }

  private up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.times[parent] as number) <= (this.times[i] as number)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(index: number): void {
    let i = index;
    const n = this.ids.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && (this.times[left] as number) < (this.times[smallest] as number)) smallest = left;
      if (right < n && (this.times[right] as number) < (this.times[smallest] as number)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private swap(a: number, b: number): void {
    if (a === b) return;
    const idA = this.ids[a] as number;
    const idB = this.ids[b] as number;
    this.ids[a] = idB;
    this.ids[b] = idA;
    const timeA = this.times[a] as number;
    this.times[a] = this.times[b] as number;
    this.times[b] = timeA;
    this.position.set(idB, a);
    this.position.set(idA, b);
  }
}
