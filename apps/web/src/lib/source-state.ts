import type { Connection, RunStats, Schedule } from './api-types.ts';

export type SourceStateKind = 'healthy' | 'failing' | 'paused' | 'needs_reconnect' | 'not_connected' | 'sample' | 'waiting';

export type SourceState = { kind: SourceStateKind; label: string; detail: string };

// A symbol beside each word, so the state never rests on colour alone.
export const STATE_SYMBOLS: Record<SourceStateKind, string> = {
  healthy: '✓',
  failing: '✕',
  paused: '⏸',
  needs_reconnect: '!',
  not_connected: '○',
  sample: '◐',
  waiting: '…',
};

/** Why the engine paused the schedule (after repeated failures or a refused credential), or null. */
export function pausedReason(schedule: Schedule): string | null {
  return schedule.paused_reason || null;
}

type Inputs = { schedule: Schedule | undefined; connection: Connection | undefined; stats: RunStats | undefined };

/** One source's state in words, from its schedule, its connection and how its runs went. */
export function sourceState({ schedule, connection, stats }: Inputs): SourceState {
  const success = stats?.last_success_at ?? null;
  const failure = stats?.last_failure_at ?? null;
  const failing = failure !== null && (success === null || failure > success);
  if (connection?.mode === 'live' && connection.status === 'needs_reauth') {
    return { kind: 'needs_reconnect', label: 'Needs reconnect', detail: 'The source refused the saved credential.' };
  }
  const paused = schedule ? pausedReason(schedule) : null;
  if (paused) return { kind: 'paused', label: 'Paused', detail: paused };
  if (connection?.mode !== 'live') {
    return success
      ? { kind: 'sample', label: 'Sample data', detail: 'Not connected: runs write labelled sample figures.' }
      : { kind: 'not_connected', label: 'Not connected', detail: 'Connect an account to sync real KPIs.' };
  }
  if (failing) return { kind: 'failing', label: 'Failing', detail: 'The last run failed.' };
  if (success) return { kind: 'healthy', label: 'Healthy', detail: 'The last run succeeded.' };
  return { kind: 'waiting', label: 'Connected', detail: 'No run has finished yet.' };
}
