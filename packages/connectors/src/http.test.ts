import { describe, expect, it } from 'vitest';
import { pause } from './http.ts';

describe('pause', () => {
  it('ends as soon as the run is aborted, with the abort reason, not when the wait is over', async () => {
    const controller = new AbortController();
    const waiting = pause(3_600_000, controller.signal);
    const reason = new Error('lease lost');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('does not start a wait for a run already aborted', async () => {
    const reason = new Error('shutting down');
    await expect(pause(3_600_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
