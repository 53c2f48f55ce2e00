import {
  type ApiDeps,
  AppError,
  listSchedules,
  previewSchedule,
  requestBackfill,
  runSchedule,
  type Service,
  scheduleUpdateInput,
  serviceInput,
  updateSchedule,
} from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

function parseService(raw: unknown): Service {
  const parsed = serviceInput.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('UNKNOWN_SERVICE', `Unknown service "${String(raw).slice(0, 50)}": use meta, ga4 or shopify`, {
      field: 'service',
    });
  }
  return parsed.data;
}

/** The REST paths under /api/schedules, answering fixed JSON shapes field for field; each is a shim over the same service as tRPC. */
export function registerScheduleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/schedules', async (request) => {
    const data = await listSchedules(deps, requireViewer(request).id);
    return { success: true, data };
  });

  app.get('/api/schedules/preview', async (request) => {
    const query = request.query as Record<string, unknown>;
    const data = previewSchedule(deps, {
      cron: query.cron as string,
      timezone: query.timezone as string,
      ...(query.from !== undefined ? { from: query.from as string } : {}),
      ...(query.count !== undefined ? { count: query.count as number } : {}),
    });
    return { success: true, data };
  });

  app.put('/api/schedules/:service', async (request) => {
    const viewer = requireViewer(request);
    const service = parseService((request.params as { service: string }).service);
    // No body at all is an empty update; a JSON `null` body is not an object and is refused like any other.
    const input = scheduleUpdateInput.parse(request.body === undefined ? {} : request.body);
    const data = await updateSchedule(deps, viewer.id, service, input);
    return { success: true, data };
  });

  app.post('/api/schedules/:service/run', async (request) => {
    const viewer = requireViewer(request);
    const service = parseService((request.params as { service: string }).service);
    const run = await runSchedule(deps, viewer.id, service);
    return {
      success: true,
      message: `${service} sync job enqueued for user ${viewer.id}`,
      data: { jobId: run.jobId, service: run.service, userId: run.userId },
    };
  });

  app.post('/api/schedules/:service/backfill', async (request, reply) => {
    const viewer = requireViewer(request);
    const service = parseService((request.params as { service: string }).service);
    const data = await requestBackfill(deps, viewer.id, service, request.body ?? {});
    reply.status(202);
    return {
      success: true,
      message: `${service} backfill of ${data.days} days (${data.from} to ${data.to}) enqueued for user ${viewer.id}`,
      data,
    };
  });
}
