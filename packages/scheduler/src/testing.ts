/** What tests of the engine and of its handlers need, kept out of the production index. */
export { FakeClock } from './fake-clock.ts';
