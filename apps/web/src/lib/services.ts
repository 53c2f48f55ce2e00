import { SERVICES, type Service, SOURCES } from '@kpi/sources';

export { SERVICES, type Service };

export const SERVICE_LABELS = Object.fromEntries(SERVICES.map((service) => [service, SOURCES[service].label])) as Record<
  Service,
  string
>;

export function serviceLabel(service: string): string {
  return SERVICE_LABELS[service as Service] ?? service;
}
