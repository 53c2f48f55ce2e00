import { scheduleUpdateInput } from '@kpi/api/validators';
import { type ReactNode, useId, useMemo, useState } from 'react';
import { useNow } from '../../hooks/use-now.ts';
import type { RunStats, Schedule, ScheduleChanges } from '../../lib/api-types.ts';
import { describeError } from '../../lib/errors.ts';
import { previewRuns } from '../../lib/next-runs.ts';
import { serviceLabel } from '../../lib/services.ts';
import { browserTimeZone } from '../../lib/time-zones.ts';
import { CronEditor } from './cron-editor.tsx';
import { NextRuns } from './next-runs.tsx';
import { ScheduleStatus } from './schedule-status.tsx';
import { TimeZoneSelect } from './time-zone-select.tsx';

type Props = {
  schedule: Schedule;
  /** Saves the changed fields; rejects with the server's error, which is shown next to its field. */
  onSave: (changes: ScheduleChanges) => Promise<unknown>;
  stats?: RunStats | undefined;
  /** A fixed clock (tests); otherwise the current time, refreshed every 30 s. */
  now?: Date;
  /** The viewer's zone (tests); otherwise the browser's. */
  viewerTimeZone?: string;
  /** Extra controls for the footer, such as "Run now". */
  actions?: ReactNode;
  /** Beside the title: whether the source is live or sample data. */
  badge?: ReactNode;
  /** The server's least interval between fires (schedules.limits), checked as the user types. */
  minIntervalSeconds?: number;
};

type Draft = { cron: string; enabled: boolean; timezone: string; lookbackDays: number };
type Field = 'cron' | 'timezone' | 'enabled' | 'lookback_days' | null;
type Problem = { field: Field; message: string };

// The server creates a default schedule (in Asia/Kolkata) the first time it lists a user's schedules, so a
// schedule never saved since has created_at == updated_at. Its zone is then proposed from the browser.
function initialDraft(schedule: Schedule, viewerZone: string): Draft {
  const untouched = schedule.created_at === schedule.updated_at;
  return { ...draftOf(schedule), timezone: untouched ? viewerZone : schedule.timezone };
}

function draftOf(schedule: Schedule): Draft {
  return { cron: schedule.cron, enabled: schedule.enabled, timezone: schedule.timezone, lookbackDays: schedule.lookback_days };
}

function changesOf(draft: Draft, schedule: Schedule): ScheduleChanges {
  const changes: ScheduleChanges = {};
  if (draft.cron !== schedule.cron) changes.cron = draft.cron;
  if (draft.enabled !== schedule.enabled) changes.enabled = draft.enabled;
  if (draft.timezone !== schedule.timezone) changes.timezone = draft.timezone;
  if (draft.lookbackDays !== schedule.lookback_days) changes.lookback_days = draft.lookbackDays;
  return changes;
}

function fieldOf(appCode: string | null, field: string | null): Field {
  if (field === 'cron' || field === 'timezone' || field === 'enabled' || field === 'lookback_days') return field;
  if (appCode === 'INVALID_CRON') return 'cron';
  if (appCode === 'INVALID_TIMEZONE') return 'timezone';
  return null;
}

/** One data source's schedule: what it is, when it runs next, and a form to change it. */
export function ScheduleConfig({
  schedule,
  onSave,
  stats,
  now: fixedNow,
  viewerTimeZone,
  actions,
  badge,
  minIntervalSeconds = 0,
}: Props) {
  const id = useId();
  const clock = useNow();
  const now = fixedNow ?? clock;
  const viewerZone = viewerTimeZone ?? browserTimeZone();
  const [draft, setDraft] = useState(() => initialDraft(schedule, viewerZone));
  const [seenVersion, setSeenVersion] = useState(schedule.updated_at);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  // A new version from the server (our save, or another tab's): start again from it.
  if (seenVersion !== schedule.updated_at) {
    setSeenVersion(schedule.updated_at);
    setDraft(draftOf(schedule));
  }

  const preview = useMemo(
    () => previewRuns(draft.cron, draft.timezone, now, 5, minIntervalSeconds),
    [draft.cron, draft.timezone, now, minIntervalSeconds],
  );
  const changes = changesOf(draft, schedule);
  const dirty = Object.keys(changes).length > 0;
  const proposedZone =
    schedule.created_at === schedule.updated_at && draft.timezone === viewerZone && viewerZone !== schedule.timezone;

  function edit(patch: Partial<Draft>, field: Exclude<Field, null>) {
    setDraft((current) => ({ ...current, ...patch }));
    setSaved(false);
    if (problem && (problem.field === field || problem.field === null)) setProblem(null);
  }

  async function save() {
    const parsed = scheduleUpdateInput.safeParse(changes);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      setProblem({ field: fieldOf(null, String(issue?.path[0] ?? '')), message: issue?.message ?? 'Invalid schedule' });
      return;
    }
    setSaving(true);
    setProblem(null);
    try {
      await onSave(parsed.data);
      setSaved(true);
    } catch (error) {
      const info = describeError(error);
      setProblem({ field: fieldOf(info.appCode, info.field), message: info.message });
    } finally {
      setSaving(false);
    }
  }

  const cronError = problem?.field === 'cron' ? problem.message : preview.problem;
  const lookbackError = problem?.field === 'lookback_days' ? problem.message : null;
  const titleId = `${id}-title`;
  return (
    <article className="card schedule" aria-labelledby={titleId} data-service={schedule.service}>
      <header className="schedule-head">
        <h3 id={titleId}>{serviceLabel(schedule.service)}</h3>
        {badge}
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            aria-checked={draft.enabled}
            checked={draft.enabled}
            onChange={(event) => edit({ enabled: event.target.checked }, 'enabled')}
          />
          <span>{draft.enabled ? 'Enabled' : 'Disabled'}</span>
        </label>
      </header>
      <ScheduleStatus schedule={schedule} stats={stats} now={now} />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <CronEditor cron={draft.cron} onChange={(cron) => edit({ cron }, 'cron')} error={cronError} />
        <TimeZoneSelect
          value={draft.timezone}
          onChange={(timezone) => edit({ timezone }, 'timezone')}
          now={now}
          error={problem?.field === 'timezone' ? problem.message : null}
          errorId={`${id}-tz-error`}
        />
        <label className="field field-narrow">
          <span>Days fetched again each run</span>
          <input
            // No min/max: the browser would block the form with its own tooltip; the shared validator's
            // message is shown beside the field instead, as for the cron.
            type="number"
            step={1}
            value={Number.isNaN(draft.lookbackDays) ? '' : draft.lookbackDays}
            onChange={(event) => {
              // An emptied field is NaN, which validation then names, rather than a silent 0.
              const typed = event.target.value.trim();
              edit({ lookbackDays: typed === '' ? Number.NaN : Number(typed) }, 'lookback_days');
            }}
            aria-invalid={lookbackError ? true : undefined}
            aria-describedby={`${id}-lookback-help`}
          />
        </label>
        <p
          id={`${id}-lookback-help`}
          className={lookbackError ? 'field-error' : 'hint'}
          role={lookbackError ? 'alert' : undefined}
        >
          {lookbackError ??
            'Sources restate recent days (late conversions, refunds): each run fetches this many finished days again, 1 to 28.'}
        </p>
        {proposedZone && (
          <p className="note">
            Never saved yet: the time zone is proposed from your browser ({viewerZone}) instead of the default {schedule.timezone}
            . Save to keep it.
          </p>
        )}
        <NextRuns
          runs={preview.runs}
          timeZone={draft.timezone}
          viewerTimeZone={viewerZone}
          now={now}
          withSeconds={draft.cron.trim().split(/\s+/).length === 6}
        />
        {!draft.enabled && preview.runs.length > 0 && (
          <p className="hint">Disabled: these runs happen only once the schedule is enabled and saved.</p>
        )}
        {problem && problem.field !== 'cron' && problem.field !== 'timezone' && problem.field !== 'lookback_days' && (
          <p className="field-error" role="alert">
            {problem.message}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={!dirty || saving || preview.problem !== null}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          {dirty && (
            <button
              type="button"
              className="button-secondary"
              onClick={() => {
                setDraft(draftOf(schedule));
                setProblem(null);
              }}
            >
              Discard changes
            </button>
          )}
          {actions}
          <span className="muted" role="status">
            {saved && !dirty ? 'Saved.' : ''}
          </span>
        </div>
      </form>
    </article>
  );
}
