import { SERVICES, type Service } from '@kpi/api/validators';

export { SERVICES, type Service };

export const SERVICE_LABELS: Record<Service, string> = {
  meta: 'Meta Ads',
  ga4: 'Google Analytics 4',
  shopify: 'Shopify',
};

export function serviceLabel(service: string): string {
  return SERVICE_LABELS[service as Service] ?? service;
}
