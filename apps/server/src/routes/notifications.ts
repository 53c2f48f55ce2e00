import {
  type ApiDeps,
  deliveriesListInput,
  getNotificationSettings,
  listNotificationDeliveries,
  notificationsUpdateInput,
  sendTestNotification,
  updateNotificationSettings,
} from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

/** REST shims over the notifications services (tRPC `notifications.*` calls the same ones). */
export function registerNotificationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/notifications', async (request) => ({
    success: true,
    data: await getNotificationSettings(deps, requireViewer(request).id),
  }));

  app.put('/api/notifications', async (request) => {
    const viewer = requireViewer(request);
    const input = notificationsUpdateInput.parse(request.body === undefined ? {} : request.body);
    return { success: true, data: await updateNotificationSettings(deps, viewer.id, input) };
  });

  app.post('/api/notifications/test', async (request) => ({
    success: true,
    data: await sendTestNotification(deps, requireViewer(request).id),
  }));

  app.get('/api/notifications/deliveries', async (request) => {
    const viewer = requireViewer(request);
    const { limit } = deliveriesListInput.parse(request.query ?? {});
    return { success: true, data: await listNotificationDeliveries(deps, viewer.id, limit) };
  });
}
