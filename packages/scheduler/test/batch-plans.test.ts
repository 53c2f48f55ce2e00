// The plans of the worker's hot statements, read with EXPLAIN in the state that once made them slow:
// thousands of runs leased and queued since the last ANALYZE, so the planner believes almost none are.
// Reached through the partial lease index (and a nested loop over the batch) a 500-row completion took
// 300-750 ms, where by key it takes about 15 ms; a claim that sorted every queued run to keep 128 took
// 100-340 ms on a fresh database, where walking the queue index takes a few.
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
    const users = await createUsers(database, 2_000);
    const pairs = users.flatMap((userId) => SERVICES.map((service) => ({ userId, service })));
    // As the owner: the service role may not alter the table. No autovacuum, so no ANALYZE but the test's.
    await database.db.execute(sql`ALTER TABLE job_runs SET (autovacuum_enabled = false)`);
    // History, analysed while nothing runs; then 3,000 runs leased and 3,000 queued after the ANALYZE.
    await queueRuns(database.db, pairs, new Date(Date.UTC(2024, 0, 1, 0, 0, 0)));
    await withService(database.db, (tx) => tx.execute(sql`UPDATE job_runs SET status = 'succeeded' WHERE status = 'queued'`));
    await database.db.execute(sql`ANALYZE job_runs`);
    leased = await queueRuns(database.db, pairs.slice(0, 3_000), new Date(Date.UTC(2024, 0, 1, 0, 0, 1)));
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_runs SET status = 'running', attempt = 1, locked_by = ${WORKER},
                       locked_until = now() + interval '1 minute', started_at = now() WHERE status = 'queued'`),
    );
    await queueRuns(database.db, pairs.slice(3_000), new Date(Date.UTC(2024, 0, 1, 0, 0, 2)));
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

  it('claims 128 of 3,000 queued runs by walking the queue index, with no sort', async () => {
    const withSettings = await claimPlan(database, true);
    expect(withSettings.filter((node) => node === 'Sort' || node.startsWith('Bitmap'))).toEqual([]);
    expect(withSettings).toContain('Index Scan job_runs_queue_idx');
    // The state is the trap: without the function's settings the same statement sorts every queued run.
    expect(await claimPlan(database, false)).toContain('Sort');
  });
});

/**
 * The plan of kpi_claim_queued_runs' statement, read from the function itself (its text and, if
 * `settings`, the planner settings it carries), as EXPLAIN of a prepared statement: nothing is written.
 */
async function claimPlan(database: TestDatabase, settings: boolean): Promise<string[]> {
  return withService(database.db, async (tx) => {
    const [fn] = await queryRows<{ body: string; config: string[] | null }>(
      tx,
      sql`SELECT prosrc AS body, proconfig AS config FROM pg_proc WHERE proname = 'kpi_claim_queued_runs'`,
    );
    if (!fn) throw new Error('kpi_claim_queued_runs is missing');
    for (const entry of settings ? (fn.config ?? []) : []) {
      const [name, value] = entry.split('=');
      await tx.execute(sql`SELECT set_config(${name}, ${value}, true)`);
    }
    await tx.execute(sql.raw(`PREPARE kpi_claim_plan(timestamptz, integer, text, timestamptz) AS ${fn.body}`));
    const [row] = await queryRows<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> | string }>(
      tx,
      sql`EXPLAIN (FORMAT JSON) EXECUTE kpi_claim_plan(now(), 128, 'plan-test-worker', now() + interval '1 minute')`,
    );
    await tx.execute(sql`DEALLOCATE kpi_claim_plan`);
    const plan = typeof row?.['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row?.['QUERY PLAN'];
    return nodesOf((plan as Array<{ Plan: PlanNode }>)[0]?.Plan as PlanNode);
  });
}

/** Every node of a plan: its type, and for a scan of job_runs its index. */
function nodesOf(node: PlanNode, out: string[] = []): string[] {
  out.push(`${node['Node Type']}${node['Relation Name'] === 'job_runs' && node['Index Name'] ? ` ${node['Index Name']}` : ''}`);
  for (const child of node.Plans ?? []) nodesOf(child, out);
  return out;
}
