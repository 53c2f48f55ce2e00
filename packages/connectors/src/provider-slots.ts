import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Database, type Db, queryRows, sql, withService } from '@kpi/db';
import { ConnectorError } from './errors.ts';

/** One app per provider and deployment: GA4 and Sheets share the Google Cloud project's quotas. */
export const PROVIDERS = ['meta', 'google', 'shopify'] as const;
export type Provider = (typeof PROVIDERS)[number];
export type ProviderLimits = Record<Provider, number>;

export const DEFAULT_PROVIDER_LIMITS: ProviderLimits = { meta: 16, google: 20, shopify: 16 };

export type SlotOptions = {
  limits: ProviderLimits;
  /** How long a slot stays taken without a release: the slot of a process that died frees itself then. */
  leaseMs: number;
  /** How long a call waits for a free slot before its run gives up with a rate-limit error (retried later). */
  waitMs: number;
  /** Recorded on the slot, for an operator looking at who holds what. */
  instance?: string;
  /** LISTEN/NOTIFY: a release in any instance wakes this one's waiters at once instead of at their next poll. */
  listen?: Database['listen'];
};

const RELEASED_CHANNEL = 'provider_slot_released';

export type Release = () => Promise<void>;
export type ProviderSlots = {
  /** Waits for a free slot of the provider (at most `waitMs`, ended early by the signal); resolves to its release. */
  acquire(provider: Provider, signal?: AbortSignal): Promise<Release>;
  /** Creates the slot rows of every provider's cap (also done on the first acquire of each provider). */
  prepare(): Promise<void>;
};

// A waiter that found no slot polls again after this long, doubling up to the maximum; a release in this
// process (or, with `listen`, in any) wakes it at once. The poll covers lost notifications and leases
// that ran out.
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;

type Waiter = { resolve: (release: Release) => void; reject: (error: unknown) => void; settled: boolean };

/**
 * The cap of each provider across all instances, kept in `provider_slots`: a provider with a cap of N
 * has N rows, and a call holds one for the length of its HTTP request. Taking a slot is one statement
 * (the first free row, `FOR UPDATE SKIP LOCKED`, so concurrent takers never wait on each other's row
 * locks and never get the same row). In this process the waiters of a provider queue in order and one
 * statement takes slots for as many of them as there are free slots, so a busy instance costs the
 * database one query per poll, not one per waiter.
 */
export function providerSlots(db: Db, options: SlotOptions): ProviderSlots {
  const instance = (options.instance ?? `${hostname()}:${process.pid}`).slice(0, 200);
  const prepared = new Map<Provider, Promise<void>>();
  const queues = new Map<Provider, Waiter[]>();
  const pumping = new Set<Provider>();
  const wakers = new Map<Provider, () => void>();

  const prepare = (provider: Provider) => {
    let done = prepared.get(provider);
    if (!done) {
      done = ensureSlots(db, provider, options.limits[provider]);
      prepared.set(provider, done);
      done.catch(() => prepared.delete(provider));
    }
    return done;
  };

  const release = (provider: Provider, slot: number, holder: string): Release => {
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      try {
        const free = sql`UPDATE provider_slots SET holder = NULL, instance = NULL, lease_until = NULL, acquired_at = NULL
                         WHERE provider = ${provider} AND slot = ${slot} AND holder = ${holder}`;
        // One statement either way; the notification goes out only if this release freed the slot.
        await withService(db, (tx) =>
          tx.execute(
            options.listen
              ? sql`WITH freed AS (${free} RETURNING provider) SELECT pg_notify(${RELEASED_CHANNEL}, provider) FROM freed`
              : free,
          ),
        );
      } finally {
        wakers.get(provider)?.();
      }
    };
  };

  let listening: Promise<unknown> | undefined;
  const listen = () => {
    if (!options.listen || listening) return;
    listening = options
      .listen(RELEASED_CHANNEL, (payload) => wakers.get(payload as Provider)?.())
      .catch(() => {
        // Polling alone still finds every free slot; the next acquire tries to listen again.
        listening = undefined;
      });
  };

  /** Up to `count` free slots in one statement (fewer, or none, when fewer are free). */
  const tryAcquire = async (provider: Provider, count: number): Promise<Release[]> => {
    listen();
    await prepare(provider);
    // One holder id per taking: a release names (slot, holder), so a slot taken again since frees nothing.
    const holder = randomUUID();
    const rows = await withService(db, (tx) =>
      queryRows<{ slot: number }>(
        tx,
        sql`UPDATE provider_slots
            SET holder = ${holder}, instance = ${instance}, acquired_at = clock_timestamp(),
                lease_until = clock_timestamp() + ${options.leaseMs} * interval '1 millisecond'
            WHERE (provider, slot) IN (
              SELECT provider, slot FROM provider_slots
              WHERE provider = ${provider} AND slot <= ${options.limits[provider]}
                AND (lease_until IS NULL OR lease_until < clock_timestamp())
              ORDER BY slot LIMIT ${count}
              FOR UPDATE SKIP LOCKED)
            RETURNING slot`,
      ),
    );
    return rows.map((row) => release(provider, Number(row.slot), holder));
  };

  const nap = (provider: Provider, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakers.delete(provider);
        resolve();
      }
      wakers.set(provider, done);
    });

  const pump = async (provider: Provider) => {
    if (pumping.has(provider)) return;
    pumping.add(provider);
    const queue = queues.get(provider) ?? [];
    let pollMs = POLL_MIN_MS;
    try {
      while (queue.length > 0) {
        while (queue[0]?.settled) queue.shift();
        // All the waiters there are (up to the cap) in one statement: taking slots one by one, one
        // transaction each, is what would keep a busy instance's slots idle between calls.
        const wanted = Math.min(queue.filter((waiter) => !waiter.settled).length, options.limits[provider]);
        if (wanted === 0) continue;
        let taken: Release[];
        try {
          taken = await tryAcquire(provider, wanted);
        } catch (error) {
          const head = queue.shift() as Waiter;
          head.settled = true;
          head.reject(error);
          continue;
        }
        if (taken.length === 0) {
          await nap(provider, pollMs + Math.random() * pollMs);
          pollMs = Math.min(pollMs * 2, POLL_MAX_MS);
          continue;
        }
        pollMs = POLL_MIN_MS;
        for (const slot of taken) {
          let waiter = queue.shift();
          while (waiter?.settled) waiter = queue.shift();
          // Waiters that gave up (timeout or abort) while the statement ran: their slots go straight back.
          if (!waiter) await slot();
          else {
            waiter.settled = true;
            waiter.resolve(slot);
          }
        }
      }
    } finally {
      pumping.delete(provider);
    }
  };

  return {
    prepare: async () => {
      await Promise.all(PROVIDERS.map(prepare));
    },
    acquire(provider, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<Release>((resolve, reject) => {
        const queue = queues.get(provider) ?? [];
        queues.set(provider, queue);
        const stop = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const waiter: Waiter = {
          settled: false,
          resolve: (release) => {
            stop();
            resolve(release);
          },
          reject: (error) => {
            stop();
            reject(error);
          },
        };
        // A waiter that gives up stays in the queue, marked settled: the pump skips it, or hands back a
        // slot it took for it meanwhile.
        const giveUp = (error: unknown) => {
          if (waiter.settled) return;
          waiter.settled = true;
          waiter.reject(error);
        };
        const onAbort = () => giveUp(signal?.reason);
        const timer = setTimeout(
          () =>
            giveUp(
              new ConnectorError(
                `No ${provider} request slot came free within ${Math.round(options.waitMs / 1000)}s ` +
                  `(the deployment allows ${options.limits[provider]} at a time)`,
                'rate_limited',
                'source',
              ),
            ),
          options.waitMs,
        );
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
        void pump(provider);
      });
    },
  };
}

/**
 * Slots 1..limit exist; free slots above the limit are removed, so the table shows the cap the
 * instances run with (instances should share one setting; the one that started last sets the rows).
 */
async function ensureSlots(db: Db, provider: Provider, limit: number): Promise<void> {
  await withService(db, async (tx) => {
    await tx.execute(
      sql`INSERT INTO provider_slots (provider, slot) SELECT ${provider}, generate_series(1, ${limit}::int) ON CONFLICT DO NOTHING`,
    );
    await tx.execute(
      sql`DELETE FROM provider_slots WHERE provider = ${provider} AND slot > ${limit}
          AND (lease_until IS NULL OR lease_until < clock_timestamp())`,
    );
  });
}

export type ProviderBudget = { provider: Provider; in_use: number; limit: number };

/**
 * Slots in use and the cap of each provider, for the whole deployment (the admin fleet page and
 * /metrics). A provider no instance has used or prepared yet has no rows and is left out.
 */
export async function providerBudgets(db: Db): Promise<ProviderBudget[]> {
  const rows = await withService(db, (tx) =>
    queryRows<{ provider: Provider; in_use: number; limit: number }>(
      tx,
      sql`SELECT provider, count(*) FILTER (WHERE lease_until > clock_timestamp())::int AS in_use, max(slot)::int AS limit
          FROM provider_slots GROUP BY provider`,
    ),
  );
  return PROVIDERS.flatMap((provider) => {
    const row = rows.find((r) => r.provider === provider);
    return row ? [{ provider, in_use: Number(row.in_use), limit: Number(row.limit) }] : [];
  });
}
