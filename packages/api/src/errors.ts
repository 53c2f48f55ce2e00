import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { ErrorBody } from './validators/answers/common.ts';

/** Every failure a caller can see, with its HTTP status and tRPC code in one place. */
const ERROR_CODES = {
  VALIDATION_ERROR: { status: 400, trpc: 'BAD_REQUEST' },
  INVALID_CRON: { status: 400, trpc: 'BAD_REQUEST' },
  INVALID_TIMEZONE: { status: 400, trpc: 'BAD_REQUEST' },
  UNKNOWN_SERVICE: { status: 400, trpc: 'BAD_REQUEST' },
  UNAUTHENTICATED: { status: 401, trpc: 'UNAUTHORIZED' },
  INVALID_CREDENTIALS: { status: 401, trpc: 'UNAUTHORIZED' },
  FORBIDDEN: { status: 403, trpc: 'FORBIDDEN' },
  NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  RUN_ALREADY_ACTIVE: { status: 409, trpc: 'CONFLICT' },
  BACKFILL_RUNNING: { status: 409, trpc: 'CONFLICT' },
  CONFLICT: { status: 409, trpc: 'CONFLICT' },
  PAYLOAD_TOO_LARGE: { status: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, trpc: 'UNSUPPORTED_MEDIA_TYPE' },
  RATE_LIMITED: { status: 429, trpc: 'TOO_MANY_REQUESTS' },
  SERVICE_UNAVAILABLE: { status: 503, trpc: 'INTERNAL_SERVER_ERROR' },
  SECRETS_KEY_MISSING: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
  INTERNAL_ERROR: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
} as const satisfies Record<string, { status: number; trpc: TRPC_ERROR_CODE_KEY }>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** Every code, for the error body's schema. */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get trpcCode(): TRPC_ERROR_CODE_KEY {
    return ERROR_CODES[this.code].trpc;
  }

  /** The body every REST error answers with. */
  toBody(): ErrorBody {
    return {
      success: false,
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

export function statusForCode(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
