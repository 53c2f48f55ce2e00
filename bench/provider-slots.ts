// Provider slots: how to keep a deployment-wide cap of C concurrent calls in PostgreSQL. Three "instances"
// (each its own pool) run W callers each for D seconds; a caller takes a slot, holds it for a simulated
// call of H ms, frees it, and goes again. Compared:
//   rows:      provider_slots rows leased with one UPDATE ... FOR UPDATE SKIP LOCKED (what the connectors
//              use, packages/connectors/src/provider-slots.ts), freed by an UPDATE; waiters poll, and with
//              NOTIFY a release also wakes the other instances' waiters at once;
//   advisory:  session advisory locks, `pg_try_advisory_lock(key, slot)` over slots 1..C in one SELECT,
//              freed by pg_advisory_unlock; the lock lives on the connection, so a holder keeps a pooled
//              connection for the length of its call.
// Printed per method: calls done, slot utilisation (calls x H / (C x elapsed)), the most holders seen at once
// (must not pass C), and the wait for a slot, p50 and p99.
//
//   pnpm bench provider-slots [--cap=10] [--callers=40] [--hold-ms=50] [--seconds=10]
import { openPostgres } from '@kpi/db';
import pg from 'pg';
import { providerSlots } from '../packages/connectors/src/provider-slots.ts';
import { fmt, openBenchDatabase, option, percentile, sleep } from './bench-kit.ts';

const CAP = option('cap', 10);
const CALLERS = option('callers', 40);
const HOLD_MS = option('hold-ms', 50);
const SECONDS = option('seconds', 10);
const INSTANCES = 3;
const POOL_SIZE = 8;

type Acquire = () => Promise<() => Promise<void>>;
type Result = { method: string; calls: number; utilisation: number; maxHeld: number; waitP50: number; waitP99: number };

async function drive(method: string, acquirers: Acquire[]): Promise<Result> {
  let held = 0;
  let maxHeld = 0;
  let calls = 0;
  const waits: number[] = [];
  const started = performance.now();
  const until = started + SECONDS * 1000;
  const caller = async (acquire: Acquire) => {
    while (performance.now() < until) {
      const asked = performance.now();
      const release = await acquire();
      waits.push(performance.now() - asked);
      held++;
      maxHeld = Math.max(maxHeld, held);
      await sleep(HOLD_MS);
      held--;
      calls++;
      await release();
    }
  };
  await Promise.all(acquirers.flatMap((acquire) => Array.from({ length: CALLERS }, () => caller(acquire))));
  // Calls begun before the deadline finish after it: the span is until the last one ended.
  const elapsedMs = performance.now() - started;
  waits.sort((a, b) => a - b);
  return {
    method,
    calls,
    utilisation: (calls * HOLD_MS) / (CAP * elapsedMs),
    maxHeld,
    waitP50: percentile(waits, 50),
    waitP99: percentile(waits, 99),
  };
}

/** Session advisory locks: the first of slots 1..CAP whose lock is free, polled with the rows' backoff. */
function advisoryAcquirer(pool: pg.Pool): Acquire {
  return async () => {
    const client = await pool.connect();
    for (let pollMs = 5; ; pollMs = Math.min(pollMs * 2, 50)) {
      const { rows } = await client.query<{ slot: number }>(
        'SELECT s AS slot FROM generate_series(1, $1::int) AS s WHERE pg_try_advisory_lock(4242, s) LIMIT 1',
        [CAP],
      );
      const slot = rows[0]?.slot;
      if (slot !== undefined) {
        return async () => {
          await client.query('SELECT pg_advisory_unlock(4242, $1::int)', [slot]);
          client.release();
        };
      }
      await sleep(pollMs + Math.random() * pollMs);
    }
  };
}

const bench = await openBenchDatabase();
const opened: Array<{ close: () => Promise<void> }> = [];
try {
  console.log(
    `provider-slots: cap ${CAP}, ${INSTANCES} instances x ${CALLERS} callers, calls of ${HOLD_MS} ms, ${SECONDS} s each, PostgreSQL`,
  );
  const results: Result[] = [];

  const rowPools = Array.from({ length: INSTANCES }, () => openPostgres({ url: bench.url, poolSize: POOL_SIZE }));
  opened.push(...rowPools);
  const rowSlots = (notify: boolean) =>
    rowPools.map((pool, i) =>
      providerSlots(pool.db, {
        limits: { meta: CAP, google: CAP, shopify: CAP },
        leaseMs: 60_000,
        waitMs: 600_000,
        instance: `bench-${i}`,
        ...(notify ? { listen: pool.listen.bind(pool) } : {}),
      }),
    );
  const polled = rowSlots(false);
  await polled[0]?.prepare();
  results.push(
    await drive(
      'rows, polled',
      polled.map((slots) => () => slots.acquire('meta')),
    ),
  );
  results.push(
    await drive(
      'rows + NOTIFY',
      rowSlots(true).map((slots) => () => slots.acquire('meta')),
    ),
  );

  const advisoryPools = Array.from({ length: INSTANCES }, () => new pg.Pool({ connectionString: bench.url, max: POOL_SIZE }));
  opened.push(...advisoryPools.map((pool) => ({ close: () => pool.end() })));
  results.push(await drive('advisory locks', advisoryPools.map(advisoryAcquirer)));

  console.table(
    results.map((r) => ({
      method: r.method,
      calls: r.calls,
      'slot use': `${fmt(r.utilisation * 100, 0)} %`,
      'max held': r.maxHeld,
      'wait p50 ms': fmt(r.waitP50),
      'wait p99 ms': fmt(r.waitP99),
    })),
  );
  const advisory = results.at(-1);
  for (const r of results.slice(0, -1)) {
    if (advisory) console.log(`calls, ${r.method} / advisory locks: ${fmt(r.calls / advisory.calls, 2)}x`);
  }
  for (const r of results)
    if (r.maxHeld > CAP) console.error(`${r.method}: ${r.maxHeld} holders at once, over the cap of ${CAP}`);
} finally {
  await Promise.all(opened.map((pool) => pool.close().catch(() => undefined)));
  await bench.drop();
}
