import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { createPostgresDatabase, POSTGRES_ENABLED } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  type Database,
  openPostgres,
  queryRows,
  serviceQuery,
  sql,
  withService,
  withTenant,
} from '../src/index.ts';

/**
 * A loopback TCP proxy in front of PostgreSQL that reads the server's side of the wire protocol and counts
 * ReadyForQuery messages: the server sends exactly one at the end of every round trip (a simple query, or
 * an extended query's Sync), and one after the start-up, which is not counted.
 */
class RoundTripCounter {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  roundTrips = 0;

  async start(target: URL): Promise<number> {
    const [port, host] = [Number(target.port || 5432), target.hostname];
    this.server = createServer((client) => {
      const upstream = tcpConnect(port, host);
      this.sockets.add(client).add(upstream);
      let buffered = Buffer.alloc(0);
      let startedUp = false;
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 5) {
          const length = buffered.readInt32BE(1);
          if (buffered.length < 1 + length) break;
          if (buffered[0] === 0x5a) {
            if (startedUp) this.roundTrips++;
            startedUp = true;
          }
          buffered = buffered.subarray(1 + length);
        }
        client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  async count(work: () => Promise<unknown>): Promise<number> {
    const before = this.roundTrips;
    await work();
    return this.roundTrips - before;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// Round trips are a property of the node-postgres path; PGlite runs in-process and the rls, grants and
// policies suites cover its correctness.
describe.runIf(POSTGRES_ENABLED)('round trips of withTenant, withService and serviceQuery on PostgreSQL', () => {
  const counter = new RoundTripCounter();
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let database: Database;
  let alice: number;

  beforeAll(async () => {
    created = await createPostgresDatabase();
    const url = new URL(created.url);
    const setup = openPostgres({ url: created.url, poolSize: 1 });
    await applyMigrations(setup);
    await setup.close();
    url.host = `127.0.0.1:${await counter.start(url)}`;
    // One connection per pool, so a named statement is seen again on the connection that prepared it.
    database = openPostgres({ url: url.toString(), poolSize: 1 });
    const [row] = await withService(database.db, (tx) =>
      queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO users (email, password_hash) VALUES ('alice@example.test', 'x') RETURNING id`,
      ),
    );
    alice = row!.id;
  });
  afterAll(async () => {
    await database?.close();
    await counter.stop();
    await created?.drop();
  });

  it('withTenant with one statement costs three round trips: BEGIN and the settings together, the statement, COMMIT', async () => {
    let seen: { role: string; setting: string } | undefined;
    const trips = await counter.count(async () => {
      [seen] = await withTenant(database.db, alice, (tx) =>
        queryRows<{ role: string; setting: string }>(
          tx,
          sql`SELECT current_user AS role, current_setting('app.current_user_id') AS setting`,
        ),
      );
    });
    expect(seen).toEqual({ role: 'kpi_tenant', setting: String(alice) });
    expect(trips).toBe(3);
  });

  it('withService with one statement costs three round trips and runs as the service role with no user set', async () => {
    let seen: { role: string; setting: string | null } | undefined;
    const trips = await counter.count(async () => {
      [seen] = await withService(database.db, (tx) =>
        queryRows<{ role: string; setting: string | null }>(
          tx,
          sql`SELECT current_user AS role, NULLIF(current_setting('app.current_user_id', true), '') AS setting`,
        ),
      );
    });
    expect(seen).toEqual({ role: 'kpi_service', setting: null });
    expect(trips).toBe(3);
  });

  it('serviceQuery is one round trip, a named statement prepared once per connection, as the service role', async () => {
    const probe = () =>
      serviceQuery<{ role: string; prepared: string[] }>(
        database.db,
        'kpi_round_trip_probe',
        sql`SELECT current_user AS role, ARRAY(SELECT name FROM pg_prepared_statements ORDER BY name) AS prepared`,
      );
    let first: { role: string; prepared: string[] } | undefined;
    let second: typeof first;
    expect(await counter.count(async () => ([first] = await probe()))).toBe(1);
    expect(await counter.count(async () => ([second] = await probe()))).toBe(1);
    expect(first?.role).toBe('kpi_service');
    // pg_prepared_statements lists the statement itself while it runs, from its first execution on.
    expect(first?.prepared).toContain('kpi_round_trip_probe');
    expect(second?.prepared).toEqual(first?.prepared);
  });

  it('the tenant settings ride only the first BEGIN: a plain transaction opened inside withTenant gets neither', async () => {
    const two = openPostgres({ url: created.url, poolSize: 2 });
    const inner = await withTenant(two.db, alice, () =>
      two.db.transaction((tx) =>
        queryRows<{ role: string; setting: string | null }>(
          tx,
          sql`SELECT current_user AS role, NULLIF(current_setting('app.current_user_id', true), '') AS setting`,
        ),
      ),
    );
    await two.close();
    expect(inner[0]?.role).not.toMatch(/^kpi_/);
    expect(inner[0]?.setting).toBeNull();
  });

  it('an id that is not a positive integer never reaches the wire', async () => {
    const trips = await counter.count(async () => {
      for (const bad of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
        await expect(withTenant(database.db, bad, async () => 1)).rejects.toThrow(TypeError);
      }
    });
    expect(trips).toBe(0);
  });

  it('RESET ROLE injected into system work leaves it the service role, never the owner', async () => {
    const [row] = await withService(database.db, async (tx) => {
      await tx.execute(sql`RESET ROLE`);
      return queryRows<{ role: string }>(tx, sql`SELECT current_user AS role`);
    });
    expect(row?.role).toBe('kpi_service');
  });
});
