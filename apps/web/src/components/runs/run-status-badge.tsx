import type { RunStatus } from '../../lib/api-types.ts';

const SYMBOLS: Record<RunStatus, string> = { queued: '…', running: '▶', succeeded: '✓', failed: '✕', skipped: '–' };

/** A run's status as a word with a symbol, so it never rests on colour alone. */
export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`badge badge-${status}`}>
      <span aria-hidden="true">{SYMBOLS[status]} </span>
      {status}
    </span>
  );
}
