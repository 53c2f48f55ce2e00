import type { Connection, Schedule } from '../../lib/api-types.ts';
import { describeError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/time.ts';
import { trpc } from '../../lib/trpc.ts';

type Props = {
  schedule: Schedule;
  /** The source's connection: a refused credential (needs_reauth) asks for Reconnect rather than Resume. */
  connection?: Connection;
  /** Opens the way to save a new credential (the page's connection form or OAuth link). */
  onReconnect: () => void;
};

/**
 * Says why the engine paused a source's schedule and offers the way out: Reconnect when the source
 * refused the credential (saving a new one resumes the schedule), else Resume. Nothing when not paused.
 */
export function PausedBanner({ schedule, connection, onReconnect }: Props) {
  const utils = trpc.useUtils();
  const resume = trpc.schedules.update.useMutation({
    onSuccess: () => utils.schedules.list.invalidate(),
  });
  if (!schedule.paused_reason) return null;
  const reconnect = connection?.status === 'needs_reauth';
  return (
    <div className="notice notice-error" role="status" aria-label={`${schedule.service} schedule paused`}>
      <p>
        <strong>Paused</strong>
        {schedule.paused_at && ` since ${formatDateTime(schedule.paused_at, schedule.timezone)}`}: {schedule.paused_reason}
      </p>
      {reconnect ? (
        <button type="button" onClick={onReconnect}>
          Reconnect
        </button>
      ) : (
        <button
          type="button"
          onClick={() => resume.mutate({ service: schedule.service, enabled: true })}
          disabled={resume.isPending}
        >
          {resume.isPending ? 'Resuming…' : 'Resume'}
        </button>
      )}
      {resume.error && (
        <span className="field-error" role="alert">
          {' '}
          {describeError(resume.error).message}
        </span>
      )}
    </div>
  );
}
