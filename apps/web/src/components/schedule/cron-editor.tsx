import cronstrue from 'cronstrue';
import { useId, useRef, useState } from 'react';
import {
  cronForPreset,
  detectPreset,
  formatClock,
  PRESETS,
  type PresetKind,
  type PresetParams,
  WEEKDAYS,
} from '../../lib/cron-presets.ts';

type Props = {
  cron: string;
  onChange: (cron: string) => void;
  /** The client-side problem (parse, never fires) or the server's message for the cron field. */
  error: string | null;
};

function describeCron(cron: string): string | null {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return null;
  }
}

/** Presets for the common cases, and the expression itself, always visible and editable. */
export function CronEditor({ cron, onChange, error }: Props) {
  const id = useId();
  const cronInput = useRef<HTMLInputElement>(null);
  const [state, setState] = useState(() => ({ cron, ...detectPreset(cron) }));
  // The expression changed from outside (saved, reset): show the preset it now is.
  if (state.cron !== cron) setState({ cron, ...detectPreset(cron, state.params) });
  const { kind, params } = state;

  function choose(next: PresetKind, nextParams: PresetParams = params) {
    if (next === 'custom') {
      setState({ cron, kind: next, params: nextParams });
      cronInput.current?.focus();
      return;
    }
    const value = cronForPreset(next, nextParams);
    setState({ cron: value, kind: next, params: nextParams });
    onChange(value);
  }

  function type(value: string) {
    const detected = detectPreset(value, params);
    setState({ cron: value, kind: detected.kind, params: detected.params });
    onChange(value);
  }

  function setTime(value: string) {
    const [hour, minute] = value.split(':').map(Number);
    if (hour === undefined || minute === undefined || Number.isNaN(hour) || Number.isNaN(minute)) return;
    choose(kind, { ...params, hour, minute });
  }

  const description = error ? null : describeCron(cron);
  const hasTime = kind === 'daily' || kind === 'weekdays' || kind === 'weekly' || kind === 'monthly';

  return (
    <fieldset className="cron-editor">
      <legend>When</legend>
      <div className="row">
        <label className="field">
          <span>Frequency</span>
          <select value={kind} onChange={(event) => choose(event.target.value as PresetKind)}>
            {PRESETS.map((preset) => (
              <option key={preset.kind} value={preset.kind}>
                {preset.label}
              </option>
            ))}
          </select>
        </label>
        {kind === 'hourly' && (
          <label className="field field-narrow">
            <span>Minute past the hour</span>
            <input
              type="number"
              min={0}
              max={59}
              value={params.minute}
              onChange={(event) => {
                const minute = Number(event.target.value);
                if (Number.isInteger(minute) && minute >= 0 && minute <= 59) choose('hourly', { ...params, minute });
              }}
            />
          </label>
        )}
        {kind === 'weekly' && (
          <label className="field">
            <span>Day of the week</span>
            <select
              value={params.weekday}
              onChange={(event) => choose('weekly', { ...params, weekday: Number(event.target.value) })}
            >
              {WEEKDAYS.map((day, index) => (
                <option key={day} value={index}>
                  {day}
                </option>
              ))}
            </select>
          </label>
        )}
        {kind === 'monthly' && (
          <label className="field field-narrow">
            <span>Day of the month</span>
            <select
              value={params.dayOfMonth}
              onChange={(event) => choose('monthly', { ...params, dayOfMonth: Number(event.target.value) })}
            >
              {Array.from({ length: 31 }, (_, index) => index + 1).map((day) => (
                <option key={day} value={day}>
                  {day}
                </option>
              ))}
            </select>
          </label>
        )}
        {hasTime && (
          <label className="field field-narrow">
            <span>Time</span>
            <input
              type="time"
              required
              value={formatClock(params.hour, params.minute)}
              onChange={(e) => setTime(e.target.value)}
            />
          </label>
        )}
      </div>
      {kind === 'monthly' && params.dayOfMonth > 28 && (
        <p className="hint">Months without day {params.dayOfMonth} are skipped.</p>
      )}
      <label className="field">
        <span>Cron expression</span>
        <input
          ref={cronInput}
          className="mono"
          value={cron}
          onChange={(event) => type(event.target.value)}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-cron-help`}
        />
      </label>
      <p id={`${id}-cron-help`} className={error ? 'field-error' : 'hint'} role={error ? 'alert' : undefined}>
        {error ??
          (description ? description : 'Five fields: minute hour day-of-month month day-of-week (or six, with seconds first).')}
      </p>
    </fieldset>
  );
}
