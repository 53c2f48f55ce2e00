import { type SourceState, STATE_SYMBOLS } from '../../lib/source-state.ts';

/** A source's state: a symbol and a word on a coloured badge. */
export function StateBadge({ state }: { state: SourceState }) {
  return (
    <span className={`badge state state-${state.kind}`} data-state={state.kind}>
      <span aria-hidden="true">{STATE_SYMBOLS[state.kind]}</span> {state.label}
    </span>
  );
}
