import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi/document.ts';

export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/api/openapi.json', async () => openApiDocument);
}
