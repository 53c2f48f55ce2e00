import { dayInZone } from '../lib/kpi-history.ts';
import type { Service } from '../lib/services.ts';
import { trpc } from '../lib/trpc.ts';

/**
 * The newest day of a source that can be complete: yesterday in the zone the server stores its days in,
 * the connection's (learned from the source) or, until that is known, the schedule's. A browser in New
 * York showing a Kolkata schedule at 20:00 is already a day behind Kolkata, whose yesterday is stored.
 * Until both lists have loaded, the browser's own yesterday.
 */
export function useLastCompleteDay(service: Service): string {
  const schedules = trpc.schedules.list.useQuery();
  const connections = trpc.connections.list.useQuery();
  const zone =
    connections.data?.find((entry) => entry.service === service)?.timezone ??
    schedules.data?.find((entry) => entry.service === service)?.timezone;
  return dayInZone(new Date(), 1, zone ?? undefined);
}
