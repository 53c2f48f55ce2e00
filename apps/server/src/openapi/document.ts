import { ok, ref, schemas } from './schemas.ts';

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const errors = {
  '400': error('Invalid input: bad cron, time zone, service or body'),
  '401': error('No credential, or an unknown, expired or revoked one'),
  '413': error('Body over the limit'),
  '429': error('Rate limited; see Retry-After'),
  '500': error('Internal error (no detail is given)'),
};
const serviceParam = { name: 'service', in: 'path', required: true, schema: ref('Service') };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const authed = [{ bearerAuth: [] }, { cookieAuth: [] }];

/** The OpenAPI 3.1 description of the REST paths, served at /api/openapi.json and checked against real answers in tests. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'KPI sync scheduler REST API',
    version: '1.0.0',
    description:
      'Per-user cron schedules for the meta, ga4 and shopify syncs. Every path except login, health and preview needs a ' +
      'Bearer API token or the session cookie. The same operations exist over tRPC at /trpc.',
  },
  servers: [{ url: '/' }],
  components: {
    schemas,
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'An API token (kpi_...) from the UI or `pnpm cli token:create`',
      },
      cookieAuth: { type: 'apiKey', in: 'cookie', name: 'kpi_session' },
    },
  },
  security: authed,
  paths: {
    '/api/schedules': {
      get: {
        summary: "The caller's three schedules (missing ones are created with the defaults)",
        responses: { '200': { description: 'Schedules', ...json(ok({ type: 'array', items: ref('Schedule') })) }, ...errors },
      },
    },
    '/api/schedules/{service}': {
      put: {
        summary: "Create or change the caller's schedule for one service",
        parameters: [serviceParam],
        requestBody: { required: true, ...json(ref('ScheduleUpdate')) },
        responses: { '200': { description: 'The saved schedule', ...json(ok(ref('Schedule'))) }, ...errors },
      },
    },
    '/api/schedules/{service}/run': {
      post: {
        summary: 'Queue a sync now',
        parameters: [serviceParam],
        responses: {
          '200': { description: 'Queued', ...json(ref('RunEnqueued')) },
          '409': error('A run of this service is already queued or running (details.jobId)'),
          ...errors,
        },
      },
    },
    '/api/schedules/preview': {
      get: {
        summary: 'The next fires of a cron in a zone, as the engine computes them',
        security: [],
        parameters: [
          { name: 'cron', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'timezone', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'count', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50, default: 5 } },
        ],
        responses: { '200': { description: 'Fire instants (UTC)', ...json(ok(ref('Preview'))) }, ...errors },
      },
    },
    '/api/runs': {
      get: {
        summary: "The caller's runs, newest first",
        parameters: [
          { name: 'service', in: 'query', schema: ref('Service') },
          {
            name: 'status',
            in: 'query',
            schema: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'skipped'] },
          },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          {
            name: 'cursor',
            in: 'query',
            schema: { type: 'integer', minimum: 1 },
            description: 'nextCursor of the previous page',
          },
        ],
        responses: {
          '200': {
            description: 'A page of runs',
            ...json(
              ok({
                type: 'object',
                additionalProperties: false,
                required: ['items', 'nextCursor'],
                properties: { items: { type: 'array', items: ref('Run') }, nextCursor: { type: ['integer', 'null'] } },
              }),
            ),
          },
          ...errors,
        },
      },
    },
    '/api/runs/stats': {
      get: {
        summary: 'Per-service figures over the caller’s runs',
        responses: {
          '200': { description: 'One entry per service', ...json(ok({ type: 'array', items: ref('ServiceStats') })) },
          ...errors,
        },
      },
    },
    '/api/runs/{id}': {
      get: {
        summary: 'One of the caller’s runs',
        parameters: [idParam],
        responses: {
          '200': { description: 'The run', ...json(ok(ref('Run'))) },
          '404': error('No such run of the caller'),
          ...errors,
        },
      },
    },
    '/api/kpis': {
      get: {
        summary: 'The latest KPI snapshot per service',
        responses: { '200': { description: 'Snapshots', ...json(ok({ type: 'array', items: ref('Kpi') })) }, ...errors },
      },
    },
    '/api/tokens': {
      get: {
        summary: "The caller's API tokens (never the secret)",
        responses: { '200': { description: 'Tokens', ...json(ok({ type: 'array', items: ref('ApiToken') })) }, ...errors },
      },
      post: {
        summary: 'Create an API token; the raw token is in this answer only',
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: { name: { type: 'string', maxLength: 100 } },
          }),
        },
        responses: {
          '201': {
            description: 'Created',
            ...json(
              ok({
                type: 'object',
                additionalProperties: false,
                required: ['token', 'apiToken'],
                properties: { token: { type: 'string', pattern: '^kpi_' }, apiToken: ref('ApiToken') },
              }),
            ),
          },
          ...errors,
        },
      },
    },
    '/api/tokens/{id}': {
      delete: {
        summary: 'Revoke one of the caller’s tokens',
        parameters: [idParam],
        responses: {
          '200': { description: 'Revoked', ...json(ok(ref('ApiToken'))) },
          '404': error('No such token of the caller'),
          ...errors,
        },
      },
    },
    '/api/auth/login': {
      post: {
        summary: 'Sign in; sets the kpi_session cookie',
        security: [],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            additionalProperties: false,
            required: ['email', 'password'],
            properties: { email: { type: 'string' }, password: { type: 'string' } },
          }),
        },
        responses: {
          '200': {
            description: 'Signed in',
            ...json(ok({ type: 'object', additionalProperties: false, required: ['user'], properties: { user: ref('User') } })),
          },
          ...errors,
        },
      },
    },
    '/api/auth/logout': {
      post: {
        summary: 'Sign out (ends the session on the server)',
        security: [],
        responses: {
          '200': {
            description: 'Signed out',
            ...json({ type: 'object', required: ['success'], properties: { success: { const: true } } }),
          },
        },
      },
    },
    '/api/auth/me': {
      get: {
        summary: 'Who the credential belongs to',
        responses: {
          '200': {
            description: 'The caller',
            ...json(ok({ type: 'object', additionalProperties: false, required: ['user'], properties: { user: ref('User') } })),
          },
          ...errors,
        },
      },
    },
    '/api/auth/password': {
      post: {
        summary: "Change the caller's password; ends the user's other sessions",
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            additionalProperties: false,
            required: ['current_password', 'new_password'],
            properties: { current_password: { type: 'string' }, new_password: { type: 'string', minLength: 8 } },
          }),
        },
        responses: {
          '200': {
            description: 'Changed',
            ...json(
              ok({
                type: 'object',
                additionalProperties: false,
                required: ['sessions_ended'],
                properties: { sessions_ended: { type: 'integer' } },
              }),
            ),
          },
          ...errors,
        },
      },
    },
    '/api/scheduler/stats': {
      get: {
        summary: "This instance's scheduler figures (administrators only)",
        responses: {
          '200': { description: 'Figures', ...json(ok({ type: 'object' })) },
          '403': error('Not an administrator'),
          ...errors,
        },
      },
    },
    '/healthz': { get: { summary: 'Alive', security: [], responses: { '200': { description: 'Alive' } } } },
    '/readyz': {
      get: {
        summary: 'Database reachable, schema present, scheduler started',
        security: [],
        responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready; the body says which part' } },
      },
    },
  },
} as const;
