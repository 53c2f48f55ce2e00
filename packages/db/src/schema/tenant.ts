/** The roles `withTenant` and `withService` switch to; drizzle/0000_roles.sql creates them. */
export const TENANT_ROLE = 'kpi_tenant';
export const SERVICE_ROLE = 'kpi_service';
export { SERVICES, type Service } from '@kpi/sources';
