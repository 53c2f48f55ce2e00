import {
  apiTokenJson,
  connectionJson,
  errorBody,
  kpiJson,
  previewJson,
  runJson,
  scheduleJson,
  serviceStatsJson,
  sheetJson,
  viewerJson,
} from '@kpi/api';
import { z } from 'zod';
import type { Answer, RouteDoc } from './route-doc.ts';
import { ROUTES } from './routes.ts';

// Generated from the zod schemas the routes parse with and the services' answers are typed by, so the
// document cannot drift from the code. Chosen over @fastify/swagger + fastify-type-provider-zod: the REST
// shims keep their handler code unchanged, their answers are not re-serialised through fast-json-stringify
// (which would silently drop or coerce fields of the byte-exact shapes REST clients rely on), and the same schemas are
// importable by the browser from @kpi/api.

type JsonSchema = Record<string, unknown>;

/** The shared shapes, named: each becomes #/components/schemas/<id> wherever an answer uses it. */
const components = z.registry<{ id: string }>();
components.add(scheduleJson, { id: 'Schedule' });
components.add(previewJson, { id: 'Preview' });
components.add(runJson, { id: 'Run' });
components.add(serviceStatsJson, { id: 'ServiceStats' });
components.add(kpiJson, { id: 'Kpi' });
components.add(apiTokenJson, { id: 'ApiToken' });
components.add(viewerJson, { id: 'User' });
components.add(connectionJson, { id: 'Connection' });
components.add(sheetJson, { id: 'Sheet' });
components.add(errorBody, { id: 'Error' });

const componentSchemas: Record<string, JsonSchema> = {};

/** zod puts the named shapes under $defs of each schema: move them to the components and point there. */
function hoist(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $defs, ...rest } = schema;
  for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    componentSchemas[id] = repoint(definition) as JsonSchema;
  }
  return repoint(rest) as JsonSchema;
}

function repoint(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(repoint);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' ? inner.replace('#/$defs/', '#/components/schemas/') : repoint(inner),
    ]),
  );
}

const answerSchema = (schema: z.ZodType) => hoist(z.toJSONSchema(schema, { metadata: components, target: 'draft-2020-12' }));
// Inputs as the caller sends them (before defaults and transforms), hence io: 'input'.
const inputSchema = (schema: z.ZodType) =>
  hoist(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }));

const errorAnswer = (description: string): Answer => ({ description, body: errorBody });

/** The errors every route can give, by what it takes: a credential, input, a body. */
function commonErrors(route: RouteDoc): Record<number, Answer> {
  const takesInput = Boolean(route.params || route.query || route.body);
  const changes = route.method !== 'get';
  const errors: Record<number, Answer> = {};
  if (takesInput) errors[400] = errorAnswer('Invalid input: a path parameter, query field or body field');
  if (route.auth) errors[401] = errorAnswer('No credential, or an unknown, expired or revoked one');
  if (changes) {
    errors[403] = errorAnswer('Cross-site or cross-origin request refused');
    errors[413] = errorAnswer('Body over the limit');
    errors[415] = errorAnswer('Body not sent as application/json');
  }
  errors[429] = errorAnswer('Rate limited; see Retry-After');
  errors[500] = errorAnswer('Internal error (no detail is given)');
  return errors;
}

function response(answer: Answer, status: number): JsonSchema {
  if (answer.redirect) {
    return {
      description: answer.description,
      headers: { Location: { required: true, schema: { type: 'string' }, description: 'Where the browser goes next' } },
    };
  }
  // Every status of 400 and over answers the error body, whether or not the entry names a schema.
  const body = answer.body ?? (status >= 400 ? errorBody : undefined);
  return {
    description: answer.description,
    ...(body ? { content: { 'application/json': { schema: answerSchema(body) } } } : {}),
  };
}

function parameters(route: RouteDoc): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [place, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = inputSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      list.push({ name, in: place, required: place === 'path' || (json.required ?? []).includes(name), schema: property });
    }
  }
  return list;
}

function operation(route: RouteDoc): JsonSchema {
  const answers: Record<number, Answer> = { ...commonErrors(route), ...route.answers };
  const responses = Object.fromEntries(
    Object.entries(answers)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, answer]) => [status, response(answer, Number(status))]),
  );
  const params = parameters(route);
  return {
    summary: route.summary,
    ...(route.auth ? {} : { security: [] }),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: inputSchema(route.body) } } } }
      : {}),
    responses,
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ROUTES) paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  paths['/healthz'] = { get: { summary: 'Alive', security: [], responses: { 200: { description: 'Alive' } } } };
  paths['/readyz'] = {
    get: {
      summary: 'Database reachable, schema present, scheduler started',
      security: [],
      responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready; the body says which part' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'KPI sync scheduler REST API',
      version: '1.0.0',
      description:
        'Per-user cron schedules for the meta, ga4 and shopify syncs, their runs, KPI figures, connections and the ' +
        'Google Sheets destination. Every path except sign-in, health and preview needs a Bearer API token or the ' +
        'session cookie. The same operations exist over tRPC at /trpc.',
    },
    servers: [{ url: '/' }],
    components: {
      schemas: componentSchemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (kpi_...) from the UI or `pnpm cli token:create`',
        },
        cookieAuth: { type: 'apiKey', in: 'cookie', name: 'kpi_session' },
      },
    },
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    paths,
  };
}

/** The OpenAPI 3.1 description of the REST paths, served at /api/openapi.json; built once, at start. */
export const openApiDocument = buildDocument();
