import { JSDOM } from 'jsdom';
import { afterAll } from 'vitest';
import { populateGlobal } from 'vitest/environments';

/**
 * A browser-like global scope for component tests, imported first by each test file (which declares the
 * `node` environment). Vitest's built-in `jsdom` environment loads the jsdom its own install resolved,
 * jsdom 31, which needs Node >= 22 (undici 8); this repo runs on Node 20, so this uses apps/web's jsdom
 * 27 instead. Once the workspace gives vitest a Node 20 jsdom, test files can use `jsdom` and drop this.
 */
const dom = new JSDOM('<!DOCTYPE html>', { pretendToBeVisual: true, url: 'http://localhost:3000' });
const { keys, originals } = populateGlobal(globalThis, dom.window, { bindFunctions: true });

afterAll(() => {
  dom.window.close();
  const scope = globalThis as Record<string | symbol, unknown>;
  for (const key of keys) delete scope[key];
  for (const [key, value] of originals) scope[key] = value;
});
