import { describe, expect, it } from 'vitest';
import type { Run } from './api-types.ts';
import { failedRunDays } from './coverage.ts';

const run = (id: number, status: string, range?: { from: string; to: string }) =>
  ({ id, status, ...(range ? { range } : {}) }) as Run;

describe('failedRunDays', () => {
  it("maps each day of a failed run's range to the newest failed run that tried it", () => {
    const days = failedRunDays([
      run(9, 'failed', { from: '2026-10-30', to: '2026-11-01' }),
      run(8, 'succeeded', { from: '2026-11-02', to: '2026-11-02' }),
      run(7, 'failed', { from: '2026-10-29', to: '2026-10-30' }),
      run(6, 'failed'),
    ]);
    expect([...days]).toEqual([
      ['2026-10-30', 9],
      ['2026-10-31', 9],
      ['2026-11-01', 9],
      ['2026-10-29', 7],
    ]);
  });
});
