import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './database.ts';

/**
 * What `openPostgres` adds to a database for the round-trip savings of `withTenant` and `withService`:
 * `serviceDb`, a pool whose connections are the service role from their start (the role is a startup
 * option, and RESET ROLE returns to it), so system work needs no role switch and a single statement
 * needs no transaction. PGlite databases are not registered: in-process, a round trip costs nothing.
 */
export type PostgresPaths = { serviceDb: Db };

const registered = new WeakMap<Db, PostgresPaths>();

export function registerPostgresPaths(db: Db, paths: PostgresPaths): void {
  registered.set(db, paths);
}

export function postgresPathsOf(db: Db): PostgresPaths | undefined {
  return registered.get(db);
}

const beginPrelude = new AsyncLocalStorage<{ statement: string | undefined }>();

/**
 * Runs `fn` so that the first BEGIN it sends on a node-postgres connection carries `statement` in the
 * same simple query (`BEGIN; <statement>`): one round trip instead of two. Simple queries take no
 * parameters, so `statement` must be built only from constants and validated integers.
 */
export function withBeginPrelude<T>(statement: string, fn: () => Promise<T>): Promise<T> {
  return beginPrelude.run({ statement }, fn);
}

/** The text to send for a BEGIN: with the prelude of the surrounding `withBeginPrelude`, the first time only. */
export function beginText(text: string): string {
  const pending = beginPrelude.getStore();
  const statement = pending?.statement;
  if (pending === undefined || statement === undefined) return text;
  pending.statement = undefined;
  return `${text}; ${statement}`;
}
