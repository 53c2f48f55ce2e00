import { Link } from 'react-router';
import type { HistoryDay } from '../../lib/kpi-history.ts';

export type CoverageKind = 'synced' | 'restated' | 'missing' | 'failed';

const KIND_WORDS: Record<CoverageKind, string> = {
  synced: 'synced',
  restated: 'restated (figures changed after first sync)',
  missing: 'missing',
  failed: 'failed',
};

type Props = {
  days: readonly HistoryDay[];
  /** Days a failed run tried to fetch, with that run's id: those missing days show as failed. */
  failedRuns?: ReadonlyMap<string, number>;
  label: string;
};

export function coverageOf(day: HistoryDay, failedRuns: ReadonlyMap<string, number> | undefined): CoverageKind {
  if (day.missing) return failedRuns?.has(day.date) ? 'failed' : 'missing';
  return day.restated ? 'restated' : 'synced';
}

/** One cell per day, oldest first; a day a run wrote (or failed to) links to that run. */
export function CoverageStrip({ days, failedRuns, label }: Props) {
  const counts: Record<CoverageKind, number> = { synced: 0, restated: 0, missing: 0, failed: 0 };
  const cells = days.map((day) => {
    const kind = coverageOf(day, failedRuns);
    counts[kind] += 1;
    const runId = kind === 'failed' ? failedRuns?.get(day.date) : day.run_id;
    const title = `${day.date}: ${KIND_WORDS[kind]}`;
    return (
      <li key={day.date} className={`coverage-cell coverage-${kind}`} data-kind={kind}>
        {runId ? (
          <Link to={`/runs/${runId}`} title={title} aria-label={title} />
        ) : (
          <span title={title} role="img" aria-label={title} />
        )}
      </li>
    );
  });
  return (
    <figure className="coverage">
      <figcaption className="small">
        {label}: {counts.synced + counts.restated} of {days.length} days stored
        {counts.restated > 0 && `, ${counts.restated} restated`}
        {counts.missing > 0 && `, ${counts.missing} missing`}
        {counts.failed > 0 && `, ${counts.failed} failed`}
      </figcaption>
      <ol className="coverage-cells">{cells}</ol>
    </figure>
  );
}
