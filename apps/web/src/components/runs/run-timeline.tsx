import type { Run } from '../../lib/api-types.ts';
import { formatDateTime, formatDuration } from '../../lib/time.ts';

type Step = { key: string; at: string | null; title: string; detail?: string | null; tone: 'ok' | 'bad' | 'info' };

// A run is one row whose `attempt` counts up on each retry and whose `error` holds the latest failure:
// earlier attempts are known to have failed, but only the latest error text is kept.
function stepsOf(run: Run): Step[] {
  const steps: Step[] = [{ key: 'queued', at: run.created_at, title: 'Queued', tone: 'info' }];
  const retried = run.status === 'queued' && run.attempt > 0 ? run.attempt : run.attempt - 1;
  for (let attempt = 1; attempt <= retried; attempt++) {
    const latest = attempt === retried;
    steps.push({
      key: `attempt-${attempt}`,
      at: null,
      title: `Attempt ${attempt} failed; retried`,
      detail: latest && run.status === 'queued' ? run.error : null,
      tone: 'bad',
    });
  }
  if (run.status === 'queued') {
    steps.push({ key: 'waiting', at: run.run_after, title: 'Waiting to start', tone: 'info' });
    return steps;
  }
  if (run.started_at) steps.push({ key: 'started', at: run.started_at, title: `Attempt ${run.attempt} started`, tone: 'info' });
  if (run.status === 'running') return steps;
  const finishedTitle =
    run.status === 'succeeded'
      ? `Succeeded in ${formatDuration(run.duration_ms)}`
      : run.status === 'failed'
        ? `Failed${run.error_class ? ` (${run.error_class})` : ''}`
        : 'Skipped';
  steps.push({
    key: 'finished',
    at: run.finished_at,
    title: finishedTitle,
    detail: run.status === 'succeeded' ? null : run.error,
    tone: run.status === 'succeeded' ? 'ok' : run.status === 'failed' ? 'bad' : 'info',
  });
  return steps;
}

/** The run's life as an ordered list: queued, each attempt, and how it ended. */
export function RunTimeline({ run }: { run: Run }) {
  return (
    <ol className="timeline card">
      {stepsOf(run).map((step) => (
        <li key={step.key} className={`timeline-step timeline-${step.tone}`}>
          <strong>{step.title}</strong>
          {step.at && (
            <time className="muted small block" dateTime={step.at}>
              {formatDateTime(step.at, undefined, true)}
            </time>
          )}
          {step.detail && <span className="field-error block">{step.detail}</span>}
        </li>
      ))}
    </ol>
  );
}
