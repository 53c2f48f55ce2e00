import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(E2E_DIR, '..');
/** Screenshots and the server log; git-ignored. */
export const ARTIFACTS_DIR = join(E2E_DIR, 'artifacts');
export const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
