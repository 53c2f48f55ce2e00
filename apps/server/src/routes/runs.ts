import {
  type ApiDeps,
  cancelRun,
  getRun,
  kpiHistory,
  kpiHistoryInput,
  latestKpis,
  listRuns,
  runIdInput,
  runStats,
  runsListInput,
} from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

/** The user's own run history, per-service statistics, latest KPI figures and KPI history by day. */
export function registerRunRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/runs', async (request) => {
    const viewer = requireViewer(request);
    return { success: true, data: await listRuns(deps, viewer.id, runsListInput.parse(request.query ?? {})) };
  });

  app.get('/api/runs/stats', async (request) => ({ success: true, data: await runStats(deps, requireViewer(request).id) }));

  app.get('/api/runs/:id', async (request) => {
    const viewer = requireViewer(request);
    const { id } = runIdInput.parse(request.params);
    return { success: true, data: await getRun(deps, viewer.id, id) };
  });

  app.post('/api/runs/:id/cancel', async (request) => {
    const viewer = requireViewer(request);
    const { id } = runIdInput.parse(request.params);
    return { success: true, data: await cancelRun(deps, viewer.id, id) };
  });

  app.get('/api/kpis', async (request) => ({ success: true, data: await latestKpis(deps, requireViewer(request).id) }));

  app.get('/api/kpis/history', async (request) => {
    const viewer = requireViewer(request);
    return { success: true, data: await kpiHistory(deps, viewer.id, kpiHistoryInput.parse(request.query ?? {})) };
  });
}
