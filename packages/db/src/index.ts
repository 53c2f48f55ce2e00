export type { SQL } from 'drizzle-orm';
export { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
export { ADMIN_ROLE, withAdmin } from './admin.ts';
export type { Database, Db, Script, Tx, Unlisten } from './database.ts';
export * from './errors.ts';
export {
  applyMigrations,
  MIGRATIONS_DIR,
  type MigrationOutcome,
  missingTables,
  REQUIRED_TABLES,
  readMigrations,
  schemaFingerprint,
} from './migrate.ts';
export { type OpenDatabaseOptions, openDatabase } from './open-database.ts';
export { openPglite } from './open-pglite.ts';
export { openPostgres } from './open-postgres.ts';
export { postgresPathsOf } from './postgres-paths.ts';
export { preparedRows, queryRows } from './rows.ts';
export * from './schema/index.ts';
export * from './schema/tenant-columns.ts';
export { serviceQuery, withService, withTenant } from './tenant.ts';
