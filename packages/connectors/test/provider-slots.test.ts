import { queryRows, sql, sqlState, withService, withTenant } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/errors.ts';
import { type ProviderLimits, providerBudgets, providerSlots, type SlotOptions } from '../src/provider-slots.ts';

const limits = (meta: number): ProviderLimits => ({ meta, google: 4, shopify: 4 });
const options = (overrides: Partial<SlotOptions> = {}): SlotOptions => ({
  limits: limits(2),
  leaseMs: 60_000,
  waitMs: 5_000,
  ...overrides,
});

/** Settles within `ms`, or answers 'pending'. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

describe.each(BACKENDS)('provider slots on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  beforeEach(async () => {
    await withService(database.db, (tx) => tx.execute(sql`DELETE FROM provider_slots`));
  });
  afterAll(() => database?.dispose());

  it('hands out at most the cap; the next caller waits and gets the slot a release frees', async () => {
    const slots = providerSlots(database.db, options());
    const first = await slots.acquire('meta');
    await slots.acquire('meta');
    const third = slots.acquire('meta');
    expect(await within(third, 300)).toBe('pending');
    expect(await providerBudgets(database.db)).toEqual([{ provider: 'meta', in_use: 2, limit: 2 }]);
    await first();
    const release = await third;
    expect(typeof release).toBe('function');
    // The providers are separate budgets: Meta being full does not hold up Google.
    await slots.acquire('google');
    expect(await providerBudgets(database.db)).toEqual([
      { provider: 'meta', in_use: 2, limit: 2 },
      { provider: 'google', in_use: 1, limit: 4 },
    ]);
  });

  it('many waiters at once get the free slots in one go, first come first served, the rest wait', async () => {
    const slots = providerSlots(database.db, options({ limits: limits(3) }));
    const order: number[] = [];
    const waiting = [0, 1, 2, 3, 4].map((i) =>
      slots.acquire('meta').then((release) => {
        order.push(i);
        return release;
      }),
    );
    const settled = await Promise.all(waiting.map((promise) => within(promise, 400)));
    expect(settled.filter((value) => value !== 'pending')).toHaveLength(3);
    expect(order).toEqual([0, 1, 2]);
    expect(await providerBudgets(database.db)).toEqual([{ provider: 'meta', in_use: 3, limit: 3 }]);
    const [first, second, third] = await Promise.all(waiting.slice(0, 3));
    await first?.();
    const fourth = await waiting[3];
    expect(order).toEqual([0, 1, 2, 3]);
    // Nothing may be left waiting into the next test.
    await second?.();
    await (await waiting[4])?.();
    await Promise.all([third?.(), fourth?.()]);
  });

  it('two instances on one database share the cap: slots are rows, not counters in memory', async () => {
    const a = providerSlots(database.db, options({ instance: 'a' }));
    const b = providerSlots(database.db, options({ instance: 'b' }));
    const held = await a.acquire('meta');
    await b.acquire('meta');
    const waiting = a.acquire('meta');
    expect(await within(waiting, 300)).toBe('pending');
    const holders = await withService(database.db, (tx) =>
      queryRows<{ instance: string }>(tx, sql`SELECT instance FROM provider_slots WHERE lease_until > now() ORDER BY instance`),
    );
    expect(holders.map((row) => row.instance)).toEqual(['a', 'b']);
    await held();
    await waiting;
  });

  it('waits a bounded time: no slot within waitMs is a retryable rate-limit error', async () => {
    const slots = providerSlots(database.db, options({ limits: limits(1), waitMs: 200 }));
    await slots.acquire('meta');
    const started = Date.now();
    const error = await slots.acquire('meta').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ failure: 'rate_limited', options: { retryable: true } });
    expect((error as Error).message).toMatch(/No meta request slot came free within 0s \(the deployment allows 1 at a time\)/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("honours the run's abort signal while waiting, and an aborted waiter takes no slot", async () => {
    const slots = providerSlots(database.db, options({ limits: limits(1) }));
    const held = await slots.acquire('meta');
    const controller = new AbortController();
    const waiting = slots.acquire('meta', controller.signal);
    setTimeout(() => controller.abort(new Error('run timed out')), 100);
    await expect(waiting).rejects.toThrow('run timed out');
    await held();
    expect(await providerBudgets(database.db)).toEqual([{ provider: 'meta', in_use: 0, limit: 1 }]);
    await expect(slots.acquire('meta', AbortSignal.abort(new Error('already over')))).rejects.toThrow('already over');
  });

  it("reclaims a crashed holder's slot once its lease has run out, and its late release frees nothing", async () => {
    // The crashed instance took the only slot with a short lease and never released it.
    const crashed = providerSlots(database.db, options({ limits: limits(1), leaseMs: 800, instance: 'crashed' }));
    const lateRelease = await crashed.acquire('meta');
    const slotRow = async () => {
      const [row] = await withService(database.db, (tx) =>
        queryRows<{ instance: string; lease_until: Date; acquired_at: Date }>(
          tx,
          sql`SELECT instance, lease_until, acquired_at FROM provider_slots WHERE provider = 'meta'`,
        ),
      );
      return row;
    };
    const crashedLease = new Date((await slotRow())?.lease_until as Date).getTime();
    // Within its 5 s wait the survivor gets the slot, and only once the crashed holder's lease ran out.
    const survivor = providerSlots(database.db, options({ limits: limits(1), waitMs: 5_000, instance: 'survivor' }));
    const taken = await survivor.acquire('meta');
    const row = await slotRow();
    expect(row?.instance).toBe('survivor');
    expect(new Date(row?.acquired_at as Date).getTime()).toBeGreaterThanOrEqual(crashedLease);
    // The crashed holder's release (it was only slow, say) must not free the survivor's slot.
    await lateRelease();
    expect(await providerBudgets(database.db)).toEqual([{ provider: 'meta', in_use: 1, limit: 1 }]);
    await taken();
    expect(await providerBudgets(database.db)).toEqual([{ provider: 'meta', in_use: 0, limit: 1 }]);
  });

  it('with LISTEN/NOTIFY a release tells every instance, and a release that freed nothing tells none', async () => {
    const heard: string[] = [];
    const unlisten = await database.listen('provider_slot_released', (payload) => heard.push(payload));
    try {
      const listen = database.listen.bind(database);
      const slots = providerSlots(database.db, options({ limits: limits(1), leaseMs: 300, listen }));
      const expired = await slots.acquire('meta');
      // Its lease runs out and another caller takes the slot: the first release then frees nothing.
      const taken = await providerSlots(database.db, options({ limits: limits(1), listen })).acquire('meta');
      await expired();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([]);
      await taken();
      for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).toEqual(['meta']);
    } finally {
      await unlisten();
    }
  });

  it("is the service role's alone: a tenant transaction can neither read nor take a slot", async () => {
    await providerSlots(database.db, options()).prepare();
    const [user] = await withService(database.db, (tx) =>
      queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO users (email, password_hash) VALUES ('slots@example.test', 'x') RETURNING id`,
      ),
    );
    const asTenant = (statement: ReturnType<typeof sql>) =>
      withTenant(database.db, Number(user?.id), (tx) => queryRows(tx, statement));
    const denied = (statement: ReturnType<typeof sql>) =>
      expect(asTenant(statement)).rejects.toSatisfy((error) => sqlState(error) === '42501');
    await denied(sql`SELECT provider, slot FROM provider_slots`);
    await denied(sql`UPDATE provider_slots SET lease_until = now() + interval '1 day' WHERE provider = 'meta'`);
    await denied(sql`DELETE FROM provider_slots`);
    const rows = await withService(database.db, (tx) =>
      queryRows(tx, sql`SELECT slot FROM provider_slots WHERE provider = 'meta'`),
    );
    expect(rows).toHaveLength(2);
  });

  it('creates the slots of every cap on prepare; a lower cap removes the free slots above it', async () => {
    await providerSlots(database.db, options({ limits: { meta: 5, google: 3, shopify: 2 } })).prepare();
    expect(await providerBudgets(database.db)).toEqual([
      { provider: 'meta', in_use: 0, limit: 5 },
      { provider: 'google', in_use: 0, limit: 3 },
      { provider: 'shopify', in_use: 0, limit: 2 },
    ]);
    await providerSlots(database.db, options({ limits: { meta: 2, google: 3, shopify: 2 } })).prepare();
    expect((await providerBudgets(database.db))[0]).toEqual({ provider: 'meta', in_use: 0, limit: 2 });
  });
});
