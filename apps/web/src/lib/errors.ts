/** What the UI needs from any failed call: the server's message, its code, and the field it concerns. */
export type ProblemInfo = {
  message: string;
  appCode: string | null;
  httpStatus: number | null;
  field: string | null;
  details: Record<string, unknown> | null;
};

type ErrorData = { appCode?: unknown; httpStatus?: unknown; details?: unknown };

/**
 * Reads a tRPC client error (whose `data` our server's error formatter fills with appCode and details)
 * or any other thrown value. Typed loosely on purpose: the component tests throw plain objects of this shape.
 */
export function describeError(error: unknown): ProblemInfo {
  const data = (typeof error === 'object' && error !== null && 'data' in error ? (error.data as ErrorData | null) : null) ?? {};
  const details = isRecord(data.details) ? data.details : null;
  let message = error instanceof Error || isRecord(error) ? String((error as { message?: unknown }).message ?? '') : '';
  if (!message || message === 'Failed to fetch')
    message = 'The server could not be reached. Check your connection and try again.';
  return {
    message,
    appCode: typeof data.appCode === 'string' ? data.appCode : null,
    httpStatus: typeof data.httpStatus === 'number' ? data.httpStatus : null,
    field: details && typeof details.field === 'string' ? details.field : null,
    details,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
