// The plans of the batched completion and lease renewal, read with EXPLAIN in the state that once made
// them slow: thousands of runs leased since the last ANALYZE, so the planner believes almost none are
// running, and the partial lease index holds an entry for each. Reached through that index (and a
// nested loop over the batch) a 500-row completion took 300-750 ms; reached by key it takes about 15 ms.
import { queryRows, type Service, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionStatement, renewalStatement } from '../src/run-batch-queries.ts';
import { queueRuns } from './fixtures/seed.ts';
import { createUsers } from './support.ts';

const SERVICES: Service[] = ['meta', 'ga4', 'shopify'];
const WORKER = 'plan-test-worker';

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };

/** Every scan of job_runs in a plan: its node type and index. */
function scansOfRuns(node: PlanNode, out: string[] = []): string[] {
  if (node['Relation Name'] === 'job_runs' && node['Node Type'].endsWith('Scan'))
    out.push(`${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`);
  for (const child of node.Plans ?? []) scansOfRuns(child, out);
  return out;
}

async function planOf(database: TestDatabase, statement: ReturnType<typeof sql>): Promise<string[]> {
  // EXPLAIN without ANALYZE: the plan only, nothing written.
  const [row] = await withService(database.db, (tx) =>
    queryRows<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> | string }>(tx, sql`EXPLAIN (FORMAT JSON) ${statement}`),
  );
  const plan = typeof row?.['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row?.['QUERY PLAN'];
  return scansOfRuns((plan as Array<{ Plan: PlanNode }>)[0]?.Plan as PlanNode);
}

describe.each(BACKENDS)('batched statements reach their runs by key on %s', (backend) => {
  let database: TestDatabase;
  let leased: number[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const users = await createUsers(database, 1_000);
    const pairs = users.flatMap((userId) => SERVICES.map((service) => ({ userId, service })));
    // As the owner: the service role may not alter the table. No autovacuum, so no ANALYZE but the test's.
    await database.db.execute(sql`ALTER TABLE job_runs SET (autovacuum_enabled = false)`);
    // History, analysed while nothing runs; then 3,000 runs leased after the ANALYZE.
    for (let second = 0; second < 2; second++) {
      await queueRuns(database.db, pairs, new Date(Date.UTC(2024, 0, 1, 0, 0, second)));
      await withService(database.db, (tx) => tx.execute(sql`UPDATE job_runs SET status = 'succeeded' WHERE status = 'queued'`));
    }
    await database.db.execute(sql`ANALYZE job_runs`);
    leased = await queueRuns(database.db, pairs, new Date(Date.UTC(2024, 0, 1, 0, 0, 2)));
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_runs SET status = 'running', attempt = 1, locked_by = ${WORKER},
                       locked_until = now() + interval '1 minute', started_at = now() WHERE status = 'queued'`),
    );
  }, 120_000);
  afterAll(() => database?.dispose());

  it('completes 500 runs without the lease index', async () => {
    const now = new Date();
    const finished = leased.slice(0, 500).map((runId) => ({ runId, durationMs: 1, result: null, startedAt: now }));
    const scans = await planOf(database, completionStatement({ workerId: WORKER, now, finished }));
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.filter((scan) => scan.includes('job_runs_lease_idx'))).toEqual([]);
  });

  it('renews 500 leases through the primary key only', async () => {
    const scans = await planOf(
      database,
      renewalStatement({ workerId: WORKER, runIds: leased.slice(500, 1_000), lockedUntil: new Date(Date.now() + 60_000) }),
    );
    expect(scans.length).toBeGreaterThan(0);
    // A bitmap heap scan names no index: its bitmap index scan below it does.
    expect(scans.filter((scan) => !scan.endsWith('job_runs_pkey') && scan !== 'Bitmap Heap Scan')).toEqual([]);
  });
});
