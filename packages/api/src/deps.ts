import type { Db } from '@kpi/db';

type LogFn = (object: Record<string, unknown>, message?: string) => void;
/** The slice of a pino logger the services use. */
export type Log = { debug: LogFn; info: LogFn; warn: LogFn; error: LogFn };

export type ApiSettings = {
  /** The least time between two fires of one schedule (SCHEDULE_MIN_INTERVAL_SECONDS). */
  minIntervalSeconds: number;
  /** Attempts a run gets before it is failed for good (MAX_ATTEMPTS). */
  maxAttempts: number;
  /** How long a browser session lasts (SESSION_TTL_HOURS). */
  sessionTtlSeconds: number;
  /** Active (unrevoked) API tokens one user may hold (MAX_API_TOKENS_PER_USER); 50 when unset. */
  maxApiTokensPerUser?: number;
  /** Manual runs one user may request per minute (RUN_NOW_PER_MINUTE); 10 when unset. */
  runNowPerMinute?: number;
};

/** Notifications from services to the scheduler running in the same process. */
export type ApiEvents = {
  scheduleChanged?: (scheduleId: number) => void;
  runQueued?: (runId: number) => void;
  /** A token was revoked or a session ended: forget anything remembered about the user's credentials. */
  credentialsRevoked?: (userId: number) => void;
};

/**
 * Counts wrong current passwords on a password change. A stolen session must not become a way to guess
 * the password faster than the sign-in form allows, so the server passes its sign-in limiter (same
 * keys, same budget).
 */
export type PasswordGuard = {
  check(keys: string[]): void;
  recordFailure(keys: string[]): void;
  recordSuccess(keys: string[]): void;
};

/** What every service receives: plain values, so tests build them without a server. */
export type ApiDeps = {
  db: Db;
  clock: () => Date;
  log: Log;
  settings: ApiSettings;
  events?: ApiEvents;
  /** This instance's scheduler figures, for administrators; absent when the scheduler is off. */
  schedulerStats?: () => Record<string, unknown>;
  /** The sign-in limiter, for password changes (set by the server); absent in plain service tests. */
  passwordGuard?: PasswordGuard;
};

/** The caller, as resolved from a session cookie or an API token. */
export type Viewer = { id: number; email: string; role: 'admin' | 'user' };
