/** What tests of the engine and of its handlers need, kept out of the production index. */
export { FakeClock } from './fake-clock.ts';
export { createEffectsTable, effectHandler, effectRegistry } from './testing/effect-handler.ts';
