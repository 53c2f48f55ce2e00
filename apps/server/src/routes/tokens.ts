import { type ApiDeps, createApiToken, listApiTokens, revokeApiToken, tokenCreateInput, tokenIdInput } from '@kpi/api';
import type { FastifyInstance } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

export function registerTokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/tokens', async (request) => ({ success: true, data: await listApiTokens(deps, requireViewer(request).id) }));

  app.post('/api/tokens', async (request, reply) => {
    const created = await createApiToken(deps, requireViewer(request).id, tokenCreateInput.parse(request.body ?? {}));
    reply.status(201);
    return { success: true, data: created };
  });

  app.delete('/api/tokens/:id', async (request) => {
    const viewer = requireViewer(request);
    const { id } = tokenIdInput.parse({ id: Number((request.params as { id: string }).id) });
    return { success: true, data: await revokeApiToken(deps, viewer.id, id) };
  });
}
