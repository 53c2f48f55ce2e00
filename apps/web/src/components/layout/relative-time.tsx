import { formatDateTime, formatRelative } from '../../lib/time.ts';

type Props = { iso: string; now: Date; timeZone?: string | undefined };

/** "in 3 hours", with the absolute time and its zone on hover, and read out after it by screen readers. */
export function RelativeTime({ iso, now, timeZone }: Props) {
  const absolute = formatDateTime(iso, timeZone);
  return (
    <>
      <time dateTime={iso} title={absolute}>
        {formatRelative(iso, now)}
      </time>
      <span className="visually-hidden"> ({absolute})</span>
    </>
  );
}
