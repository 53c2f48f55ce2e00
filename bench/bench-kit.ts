// What every scheduler benchmark needs: a fresh, migrated PostgreSQL database it drops at the end, a
// silent engine log, and number formatting. The server is TEST_DATABASE_URL (default the local one).
import { applyMigrations, type Database, openPostgres } from '@kpi/db';
import type { SchedulerLog } from '@kpi/scheduler';
import { createPostgresDatabase } from '@kpi/testing';

export type BenchDatabase = { database: Database; url: string; name: string; drop: () => Promise<void> };

export async function openBenchDatabase(poolSize = 10): Promise<BenchDatabase> {
  const created = await createPostgresDatabase();
  const database = openPostgres({ url: created.url, poolSize, applicationName: 'kpi-bench' });
  try {
    await applyMigrations(database);
  } catch (error) {
    await database.close();
    await created.drop();
    throw error;
  }
  return {
    database,
    url: created.url,
    name: created.name,
    drop: async () => {
      await database.close().catch(() => undefined);
      await created.drop();
    },
  };
}

/** Warnings and errors still reach stderr: a benchmark that hides a failing engine measures nothing. */
export const benchLog: SchedulerLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (object, message) => console.warn(message, JSON.stringify(object, errorFields)),
  error: (object, message) => console.error(message, JSON.stringify(object, errorFields)),
};

function errorFields(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export const fmt = (value: number, digits = 1) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : 'n/a';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}
