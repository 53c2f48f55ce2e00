export { createEffectsTable, effectHandler, effectRegistry } from './testing/effect-handler.ts';
