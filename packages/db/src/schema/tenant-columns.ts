import { getTableColumns } from 'drizzle-orm';
import { apiTokens } from './api-tokens.ts';
import { connections, sheetDestinations } from './connections.ts';

/**
 * The columns the tenant role may SELECT (drizzle/0006_least_privilege.sql grants columns, not tables).
 * Tenant queries select and return these sets; `select()` or `returning()` with no list would name a
 * secret column and fail with insufficient_privilege.
 */
function without<T extends Record<string, unknown>, K extends keyof T>(columns: T, key: K): Omit<T, K> {
  const { [key]: _omitted, ...rest } = columns;
  return rest;
}

export const tenantConnectionColumns = without(getTableColumns(connections), 'secret');
export const tenantSheetColumns = without(getTableColumns(sheetDestinations), 'secret');
export const tenantApiTokenColumns = without(getTableColumns(apiTokens), 'tokenHash');

export type ConnectionView = Omit<typeof connections.$inferSelect, 'secret'>;
export type SheetDestinationView = Omit<typeof sheetDestinations.$inferSelect, 'secret'>;
export type ApiTokenView = Omit<typeof apiTokens.$inferSelect, 'tokenHash'>;
