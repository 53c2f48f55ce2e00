/**
 * The "filters removed" build of the id-swap matrix (id-swap-matrix.test.ts explains why): wraps the
 * database driver under the app so that, while switched on, every application-level ownership predicate
 * (`user_id = $n` after WHERE/AND/OR/ON) is rewritten to `(true OR user_id = $n)`, leaving only RLS.
 */
import type { Database } from '@kpi/db';

const OWNERSHIP = /(\b(?:where|and|or|on)\s+\(?)((?:"?\w+"?\.)?"?user_id"?)\s*=\s*(\$\d+|\d+)/gi;

/** `seen`: statements that went through the wrapper while active; `rewritten`: predicates neutralised. */
export type FilterRemoval = { active: boolean; seen: number; rewritten: number };

/** Neutralises application-level ownership predicates in one SQL text (see the header). */
function removeOwnershipFilters(text: string, state: FilterRemoval): string {
  return text.replace(OWNERSHIP, (_match, lead: string, column: string, value: string) => {
    state.rewritten++;
    return `${lead}(true OR ${column} = ${value})`;
  });
}

type QueryFn = (query: unknown, ...rest: unknown[]) => unknown;

function rewriteQuery(query: unknown, state: FilterRemoval): unknown {
  if (!state.active) return query;
  state.seen++;
  if (typeof query === 'string') return removeOwnershipFilters(query, state);
  if (query && typeof query === 'object' && typeof (query as { text?: unknown }).text === 'string') {
    const config = query as { text: string; name?: string };
    // A named (prepared) statement is keyed by name: drop the name so the rewritten text is used.
    const { name: _name, ...rest } = config;
    return { ...rest, text: removeOwnershipFilters(config.text, state) };
  }
  return query;
}

/** Installs the "filters removed" build under a database's driver; switched by `state.active`. */
export async function installFilterRemoval(database: Database): Promise<{ state: FilterRemoval; uninstall: () => void }> {
  const state: FilterRemoval = { active: false, seen: 0, rewritten: 0 };
  if (database.pglite) {
    const pglite = database.pglite as unknown as { query: QueryFn; transaction: (cb: (tx: unknown) => unknown) => unknown };
    const query = pglite.query;
    const transaction = pglite.transaction;
    pglite.query = function (this: unknown, q, ...rest) {
      return query.call(this, rewriteQuery(q, state), ...rest);
    };
    pglite.transaction = function (this: unknown, callback) {
      return transaction.call(this, (tx: unknown) => {
        const target = tx as { query: QueryFn };
        const wrapped = new Proxy(target, {
          get(t, prop) {
            if (prop === 'query') return (q: unknown, ...rest: unknown[]) => t.query(rewriteQuery(q, state), ...rest);
            const value = Reflect.get(t, prop, t);
            return typeof value === 'function' ? value.bind(t) : value;
          },
        });
        return callback(wrapped);
      });
    };
    return {
      state,
      uninstall: () => {
        pglite.query = query;
        pglite.transaction = transaction;
      },
    };
  }
  const pool = (database.db as unknown as { $client: { connect: () => Promise<{ release: () => void }> } }).$client;
  const client = await pool.connect();
  const proto = Object.getPrototypeOf(client) as { query: QueryFn };
  client.release();
  const query = proto.query;
  proto.query = function (this: unknown, q, ...rest) {
    return query.call(this, rewriteQuery(q, state), ...rest);
  };
  return {
    state,
    uninstall: () => {
      proto.query = query;
    },
  };
}
