import type { AppRouter } from '@kpi/api';
import type { inferRouterOutputs } from '@trpc/server';
import { formatDateTime } from '../../lib/time.ts';

export type Delivery = inferRouterOutputs<AppRouter>['notifications']['deliveries'][number];

const STATUS_TEXT: Record<Delivery['status'], string> = {
  pending: 'pending',
  delivered: 'delivered',
  failed: 'given up',
  folded: 'counted into the next message',
};

/** The latest messages: which event, on which channel, what became of it and the last error. */
export function DeliveryList({ deliveries }: { deliveries: Delivery[] }) {
  if (deliveries.length === 0) return <p className="hint">No notifications sent yet.</p>;
  return (
    <table className="table">
      <caption>Recent notifications</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Source</th>
          <th scope="col">Channel</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr key={delivery.id}>
            <td>{formatDateTime(delivery.created_at)}</td>
            <td>
              <code>{delivery.event_type}</code>
              {delivery.folded > 0 && ` (+${delivery.folded})`}
            </td>
            <td>{delivery.service}</td>
            <td>{delivery.channel}</td>
            <td>
              <span className={`badge badge-${delivery.status === 'delivered' ? 'succeeded' : delivery.status}`}>
                {STATUS_TEXT[delivery.status]}
              </span>
            </td>
            <td>{delivery.attempts}</td>
            <td>{delivery.last_error ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
