#!/usr/bin/env node
// `pnpm bench <name> [--quick]`: runs one benchmark of bench/ (not part of the tests); each prints its
// figures and the ratio against a baseline measured in the same run. With no name, lists them.
import { spawnSync } from 'node:child_process';

const BENCHES = {
  http: ['--import', 'tsx', 'http.ts'],
  scale: ['--expose-gc', '--import', 'tsx', 'scale.ts'],
  burst: ['--import', 'tsx', 'burst.ts'],
  throughput: ['--import', 'tsx', 'throughput.ts'],
  drain: ['--import', 'tsx', 'drain.ts'],
  soak: ['--import', 'tsx', 'soak.ts'],
  peers: ['--import', 'tsx', 'peers.ts'],
  backfill: ['--import', 'tsx', 'backfill.ts'],
  'provider-slots': ['--import', 'tsx', 'provider-slots.ts'],
  fleet: ['--import', 'tsx', 'fleet.ts'],
};
const [name, ...rest] = process.argv.slice(2);
if (!name || !(name in BENCHES)) {
  console.log(`usage: pnpm bench <${Object.keys(BENCHES).join('|')}> [--quick]   (needs PostgreSQL at TEST_DATABASE_URL)`);
  process.exit(name ? 2 : 0);
}
const result = spawnSync(process.execPath, [...BENCHES[name], ...rest], {
  cwd: new URL('../bench/', import.meta.url),
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
