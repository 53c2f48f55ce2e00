import { useMemo, useState } from 'react';
import { utcOffsetLabel, utcOffsetMinutes } from '../../lib/time.ts';
import { formerZoneName, listTimeZones } from '../../lib/time-zones.ts';

type Props = {
  value: string;
  onChange: (timeZone: string) => void;
  now: Date;
  error: string | null;
  errorId: string;
};

type ZoneOption = { name: string; offset: string; search: string };

function buildOptions(now: Date, extra: string[]): ZoneOption[] {
  return listTimeZones(extra)
    .map((name) => {
      const offset = utcOffsetLabel(name, now);
      return {
        name,
        offset,
        minutes: utcOffsetMinutes(name, now),
        search: `${name} ${formerZoneName(name) ?? ''} ${offset}`.replace(/_/g, ' ').toLowerCase(),
      };
    })
    .sort((a, b) => a.minutes - b.minutes || a.name.localeCompare(b.name));
}

/**
 * A filter box over a native select: substring search ("york", "+05:30") on any device, and the platform's
 * own keyboard and screen-reader behaviour for the list. The chosen zone always stays in the list.
 */
export function TimeZoneSelect({ value, onChange, now, error, errorId }: Props) {
  const [filter, setFilter] = useState('');
  // Offsets change only at DST transitions; recomputing them once an hour is plenty.
  const hour = Math.floor(now.getTime() / 3_600_000);
  const options = useMemo(() => buildOptions(new Date(hour * 3_600_000), [value]), [hour, value]);
  const needle = filter.trim().replace(/_/g, ' ').toLowerCase();
  const shown = needle ? options.filter((option) => option.search.includes(needle) || option.name === value) : options;

  return (
    <fieldset className="time-zone">
      <legend>Time zone</legend>
      <div className="row">
        <label className="field">
          <span>Search time zones</span>
          <input
            type="search"
            value={filter}
            placeholder="City, region or offset"
            onChange={(event) => setFilter(event.target.value)}
          />
        </label>
        <label className="field">
          <span>Time zone</span>
          <select
            value={value}
            onChange={(event) => onChange(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          >
            {shown.map((option) => (
              <option key={option.name} value={option.name}>
                {option.name.replace(/_/g, ' ')} ({option.offset})
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="hint">
        {needle ? `${shown.length} of ${options.length} zones match. ` : ''}
        Now {utcOffsetLabel(value, now)} in {value}.
      </p>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
