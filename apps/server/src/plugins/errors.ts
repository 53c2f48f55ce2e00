import { AppError, toAppError } from '@kpi/api';
import type { FastifyError, FastifyInstance } from 'fastify';

/** Maps Fastify's own failures (body too large, bad JSON, wrong content type) to our error codes. */
function fromFastify(error: FastifyError): AppError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'Body must not be empty when Content-Type is application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'Body is not valid JSON');
    default:
      if (error.statusCode === 400 && error instanceof SyntaxError)
        return new AppError('VALIDATION_ERROR', 'Body is not valid JSON');
      if (error.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
      if (error.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
      return undefined;
  }
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = fromFastify(error) ?? toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    if (appError.code === 'RATE_LIMITED' && appError.details?.retryAfterSeconds) {
      reply.header('retry-after', String(appError.details.retryAfterSeconds));
    }
    return reply.status(appError.status).send(appError.toBody());
  });
}
