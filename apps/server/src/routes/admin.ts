import {
  type ApiDeps,
  AppError,
  adminUserCreateInput,
  adminUserIdInput,
  adminUserPatchInput,
  auditListInput,
  createAdminUser,
  fleetStats,
  listAdminUsers,
  listAudit,
  updateAdminUser,
} from '@kpi/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

const adminOf = (request: FastifyRequest) => requireViewer(request);

/**
 * `/api/admin/*`, in one scope whose first hook refuses anyone but an administrator: a route added
 * here cannot forget the check, and a non-admin is refused before its body or query is read.
 */
export async function registerAdminRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request) => {
        if (requireViewer(request).role !== 'admin') throw new AppError('FORBIDDEN', 'Only administrators may do this');
      });

      scope.get('/users', async (request) => ({ success: true, data: await listAdminUsers(deps, adminOf(request)) }));

      scope.post('/users', async (request, reply) => {
        const created = await createAdminUser(deps, adminOf(request), adminUserCreateInput.parse(request.body ?? {}));
        reply.status(201);
        return { success: true, data: created };
      });

      scope.patch('/users/:id', async (request) => {
        const { id } = adminUserIdInput.parse(request.params);
        const patch = adminUserPatchInput.parse(request.body ?? {});
        return { success: true, data: await updateAdminUser(deps, adminOf(request), { id, ...patch }) };
      });

      scope.get('/audit', async (request) => ({
        success: true,
        data: await listAudit(deps, adminOf(request), auditListInput.parse(request.query ?? {})),
      }));

      scope.get('/fleet', async () => ({ success: true, data: await fleetStats(deps) }));
    },
    { prefix: '/api/admin' },
  );
}
