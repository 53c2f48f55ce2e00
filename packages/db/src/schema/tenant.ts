import { sql } from 'drizzle-orm';

/** The user a tenant transaction acts for, as set by `withTenant`; NULL (no rows) when unset or ''. */
export const currentTenant = sql`NULLIF(current_setting('app.current_user_id', true), '')::integer`;

export const TENANT_ROLE = 'kpi_tenant';
export const SERVICE_ROLE = 'kpi_service';
export { SERVICES, type Service } from '@kpi/sources';
