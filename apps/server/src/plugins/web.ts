import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { areaOf, decodedPath } from '../request-path.ts';

/** Serves the built SPA, with index.html for client-side routes; API paths keep their JSON 404. */
export async function registerWeb(app: FastifyInstance, distDir: string): Promise<boolean> {
  const hasBuild = existsSync(join(distDir, 'index.html'));
  if (hasBuild) await app.register(fastifyStatic, { root: distDir, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    const apiPath = areaOf(request) !== null;
    if (hasBuild && request.method === 'GET' && !apiPath) return reply.sendFile('index.html');
    return reply.status(404).send({
      success: false,
      error: { code: 'NOT_FOUND', message: `No route for ${request.method} ${decodedPath(request.url)}` },
    });
  });
  return hasBuild;
}
