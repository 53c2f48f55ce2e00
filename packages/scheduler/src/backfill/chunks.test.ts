import { addDays } from '@kpi/cron';
import { describe, expect, it } from 'vitest';
import { daysInRange, lastChunk, nextChunk } from './chunks.ts';

describe('backfill chunks', () => {
  it('walks 365 days in 31-day chunks from the checkpoint, the last one short', () => {
    const range = { from: '2025-01-01', to: '2025-12-31' };
    const chunks: Array<{ from: string; to: string }> = [];
    let checkpoint: string | null = null;
    for (let chunk = nextChunk(range, checkpoint); chunk; chunk = nextChunk(range, checkpoint)) {
      chunks.push(chunk);
      checkpoint = chunk.to;
    }
    expect(chunks).toHaveLength(12);
    expect(chunks[0]).toEqual({ from: '2025-01-01', to: '2025-01-31' });
    expect(chunks[1]).toEqual({ from: '2025-02-01', to: '2025-03-03' });
    expect(chunks[11]).toEqual({ from: '2025-12-08', to: '2025-12-31' });
    expect(chunks.reduce((sum, c) => sum + daysInRange(c.from, c.to), 0)).toBe(365);
  });

  it('resumes after the checkpoint and ends at the range', () => {
    expect(nextChunk({ from: '2024-02-01', to: '2024-03-10' }, '2024-02-28')).toEqual({ from: '2024-02-29', to: '2024-03-10' });
    expect(nextChunk({ from: '2024-02-01', to: '2024-03-10' }, '2024-03-10')).toBeNull();
    expect(nextChunk({ from: '2024-02-01', to: '2024-02-01' }, null)).toEqual({ from: '2024-02-01', to: '2024-02-01' });
  });

  it('names the last chunk of a range, all of a short one', () => {
    expect(lastChunk({ from: '2025-01-01', to: '2025-12-31' })).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(lastChunk({ from: '2025-12-20', to: '2025-12-31' })).toEqual({ from: '2025-12-20', to: '2025-12-31' });
  });

  it('counts calendar days across a leap day and a year end', () => {
    expect(daysInRange('2024-02-28', '2024-03-01')).toBe(3);
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
