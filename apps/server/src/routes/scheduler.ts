import { type ApiDeps, AppError } from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

export function registerSchedulerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/scheduler/stats', async (request) => {
    if (requireViewer(request).role !== 'admin')
      throw new AppError('FORBIDDEN', 'Only administrators may see scheduler statistics');
    return { success: true, data: deps.schedulerStats?.() ?? { state: 'disabled' } };
  });
}
