import { sqlState } from '@kpi/db';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { AppError } from './errors.ts';

// Text PostgreSQL refuses to store: a NUL byte or an invalid byte sequence (22021), a \u0000 escape in
// jsonb (22P05). The caller sent it, so it is their 400, not our 500; the validators refuse most first.
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * Turns anything thrown into the error a caller may see. Validation problems keep their message;
 * everything unexpected becomes a bare INTERNAL_ERROR, so no SQL, stack or driver text reaches a response.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) return fromZod(error);
  if (UNSTORABLE_TEXT.has(sqlState(error) ?? '')) {
    return new AppError('VALIDATION_ERROR', 'The input contains a character that cannot be stored (such as a NUL byte)');
  }
  if (error instanceof TRPCError) {
    if (error.cause && error.cause !== error) {
      const inner = toAppError(error.cause);
      if (inner.code !== 'INTERNAL_ERROR') return inner;
    }
    switch (error.code) {
      case 'BAD_REQUEST':
      case 'PARSE_ERROR':
        return new AppError('VALIDATION_ERROR', error.message);
      case 'UNAUTHORIZED':
        return new AppError('UNAUTHENTICATED', error.message);
      case 'FORBIDDEN':
        return new AppError('FORBIDDEN', error.message);
      case 'NOT_FOUND':
        return new AppError('NOT_FOUND', error.message);
      case 'PAYLOAD_TOO_LARGE':
        return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
      case 'UNSUPPORTED_MEDIA_TYPE':
        return new AppError('UNSUPPORTED_MEDIA_TYPE', error.message);
      case 'METHOD_NOT_SUPPORTED':
        return new AppError('VALIDATION_ERROR', error.message);
      case 'TOO_MANY_REQUESTS':
        return new AppError('RATE_LIMITED', error.message);
      default:
        return new AppError('INTERNAL_ERROR', 'Internal server error');
    }
  }
  return new AppError('INTERNAL_ERROR', 'Internal server error');
}

function fromZod(error: ZodError): AppError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0];
  // Our messages name their field already ("timezone must be ..."); zod's defaults get the path in front.
  const message = first
    ? first.path && !first.message.startsWith(first.path)
      ? `${first.path}: ${first.message}`
      : first.message
    : 'Invalid input';
  const field = first?.path || undefined;
  const code = field === 'timezone' ? 'INVALID_TIMEZONE' : field === 'cron' ? 'INVALID_CRON' : 'VALIDATION_ERROR';
  return new AppError(code, message, { ...(field ? { field } : {}), issues });
}
