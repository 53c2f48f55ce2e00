import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

// Test-only helpers for talking to the app with inject() and checking what a caller may see.

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const STACK = /\n\s+at\s|\bat\s+\S+\s+\(|\.tsx?:\d+|node_modules|\bError:\s/;
const SQL =
  /\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|relation\s+"|violates|SQLSTATE|current_setting|set_config|pg_catalog|job_schedules|drizzle)\b/i;

/** Fails if a response text carries a stack trace or SQL. */
export function expectNoLeak(text: string): void {
  expect(text, 'stack trace in response').not.toMatch(STACK);
  expect(text, 'SQL in response').not.toMatch(SQL);
}

export type ErrorBody = { success: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** The REST error contract: a 4xx (or the given status) with `{ success: false, error: { code, message } }`. */
export function expectRestError(response: LightMyRequestResponse, status?: number): ErrorBody {
  const where = `${response.statusCode} ${response.body.slice(0, 300)}`;
  if (status === undefined) {
    expect(response.statusCode, where).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, where).toBeLessThan(500);
  } else {
    expect(response.statusCode, where).toBe(status);
  }
  expect(response.headers['content-type'], where).toMatch(/^application\/json/);
  const body = response.json() as ErrorBody;
  expect(body, where).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } });
  expect(Object.keys(body).sort(), where).toEqual(['error', 'success']);
  expect(body.error.code, where).toMatch(/^[A-Z_]+$/);
  expect(body.error.message.length, where).toBeGreaterThan(0);
  expectNoLeak(response.body);
  return body;
}

type TrpcErrorBody = {
  error: {
    message: string;
    code: number;
    data: { code: string; httpStatus: number; appCode: string; details: Record<string, unknown> | null; stack?: string };
  };
};

export type CallerError = { status: number; appCode: string; message: string; details: Record<string, unknown> | null };

/**
 * The tRPC error contract: a 4xx (or the given status), our app code, a message and no stack. Failures
 * before tRPC runs (a bad credential, the body limit) answer in the REST shape; both are accepted.
 */
export function expectTrpcError(response: LightMyRequestResponse, status?: number): CallerError {
  const where = `${response.statusCode} ${response.body.slice(0, 300)}`;
  if (status === undefined) {
    expect(response.statusCode, where).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, where).toBeLessThan(500);
  } else {
    expect(response.statusCode, where).toBe(status);
  }
  expectNoLeak(response.body);
  const body = JSON.parse(response.body) as TrpcErrorBody | ErrorBody;
  if ('success' in body) {
    const rest = expectRestError(response, response.statusCode);
    return {
      status: response.statusCode,
      appCode: rest.error.code,
      message: rest.error.message,
      details: rest.error.details ?? null,
    };
  }
  expect(body.error.message.length, where).toBeGreaterThan(0);
  expect(body.error.data.stack, where).toBeUndefined();
  expect(body.error.data.httpStatus, where).toBe(response.statusCode);
  return {
    status: response.statusCode,
    appCode: body.error.data.appCode,
    message: body.error.message,
    details: body.error.data.details,
  };
}

export const jsonHeaders = (auth: Record<string, string> = {}) => ({ ...auth, 'content-type': 'application/json' });

/** A tRPC mutation without batching: POST /trpc/<path> with the input as the body. */
export function trpcMutation(app: FastifyInstance, path: string, input: unknown, auth: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: `/trpc/${path}`,
    headers: jsonHeaders(auth),
    payload: JSON.stringify(input),
  });
}

/** A tRPC query without batching: GET /trpc/<path>?input=<json>. */
export function trpcQuery(app: FastifyInstance, path: string, input: unknown, auth: Record<string, string> = {}) {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return app.inject({ method: 'GET', url: `/trpc/${path}${query}`, headers: auth });
}

/** The data of a successful non-batched tRPC response. */
export function trpcData<T>(response: LightMyRequestResponse): T {
  expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
  return (response.json() as { result: { data: T } }).result.data;
}
