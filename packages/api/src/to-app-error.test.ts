import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, statusForCode } from './errors.ts';
import { toAppError } from './to-app-error.ts';
import { scheduleUpdateInput } from './validators/schedule.ts';

const zodError = (input: unknown) => {
  const result = scheduleUpdateInput.safeParse(input);
  if (result.success) throw new Error('expected a validation failure');
  return result.error;
};

describe('toAppError', () => {
  it('keeps an AppError as it is', () => {
    const error = new AppError('RUN_ALREADY_ACTIVE', 'busy', { jobId: 'job-1' });
    expect(toAppError(error)).toBe(error);
    expect(error.status).toBe(409);
    expect(error.toBody()).toEqual({
      success: false,
      error: { code: 'RUN_ALREADY_ACTIVE', message: 'busy', details: { jobId: 'job-1' } },
    });
  });

  it('turns anything unexpected into a bare 500 that repeats none of its text', () => {
    const leaky = Object.assign(new Error('relation "job_schedules" does not exist'), { code: '42P01', stack: 'at db.ts:1' });
    const error = toAppError(leaky);
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.status).toBe(500);
    expect(JSON.stringify(error.toBody())).not.toMatch(/job_schedules|42P01|db\.ts/);
    for (const thrown of ['a string', 42, null, undefined, { message: 'SELECT 1' }]) {
      expect(toAppError(thrown).toBody()).toEqual({
        success: false,
        error: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
      });
    }
  });

  it('maps zod failures to the field’s code, with the field and issues as details', () => {
    expect(toAppError(zodError({ cron: 5 }))).toMatchObject({ code: 'INVALID_CRON', details: { field: 'cron' } });
    expect(toAppError(zodError({ timezone: '+05:30' }))).toMatchObject({
      code: 'INVALID_TIMEZONE',
      details: { field: 'timezone' },
    });
    const unknown = toAppError(zodError({ user_id: 1 }));
    expect(unknown.code).toBe('VALIDATION_ERROR');
    expect(unknown.message).toContain('user_id');
    expect(toAppError(zodError(null))).toMatchObject({ code: 'VALIDATION_ERROR', message: 'body must be a JSON object' });
    // zod's default messages get the path in front; ours, which name the field already, do not.
    const other = toAppError(z.object({ limit: z.number() }).safeParse({ limit: 'x' }).error);
    expect(other.message).toMatch(/^limit: /);
    expect(toAppError(zodError({ enabled: 'yes' })).message).toBe('enabled must be true or false');
  });

  it('looks through a TRPCError to the AppError that caused it, else maps the tRPC code', () => {
    const cause = new AppError('NOT_FOUND', 'Run 7 not found');
    expect(toAppError(new TRPCError({ code: 'NOT_FOUND', message: 'x', cause }))).toBe(cause);
    expect(toAppError(new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in' })).code).toBe('UNAUTHENTICATED');
    expect(toAppError(new TRPCError({ code: 'PARSE_ERROR', message: 'bad' })).status).toBe(400);
    expect(toAppError(new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: 'big' })).status).toBe(413);
    expect(toAppError(new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'slow down' })).status).toBe(429);
    const internal = toAppError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'pool exhausted at pg.ts:9' }));
    expect(internal.toBody().error.message).toBe('Internal server error');
  });

  it('gives every code the status the API promises', () => {
    expect(
      [
        'VALIDATION_ERROR',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'NOT_FOUND',
        'CONFLICT',
        'PAYLOAD_TOO_LARGE',
        'RATE_LIMITED',
        'INTERNAL_ERROR',
      ].map((code) => statusForCode(code as Parameters<typeof statusForCode>[0])),
    ).toEqual([400, 401, 403, 404, 409, 413, 429, 500]);
  });

  it('text PostgreSQL cannot store (NUL: 22021, a \\u0000 in jsonb: 22P05) is the caller’s 400, naming no SQL', () => {
    for (const code of ['22021', '22P05']) {
      const driver = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code });
      const wrapped = Object.assign(new Error('Failed query: insert into "api_tokens" ...'), { cause: driver });
      const error = toAppError(wrapped);
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.status).toBe(400);
      expect(JSON.stringify(error.toBody())).not.toMatch(/api_tokens|UTF8|0x00|insert/);
      expect(toAppError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: wrapped })).status).toBe(400);
    }
  });
});
