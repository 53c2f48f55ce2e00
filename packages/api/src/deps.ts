import type { Db } from '@kpi/db';
import type { ConnectorsPort } from './services/connections-port.ts';
import type { NotificationsPort } from './services/notifications-port.ts';
import type { SchedulerStatsJson, ViewerJson } from './validators/answers/account.ts';
import type { ProviderBudgetJson } from './validators/answers/admin.ts';

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
  /** Days the backfill queued on a source's first connection covers (BACKFILL_DAYS); 30 when unset. */
  backfillDays?: number;
  /** Failed runs in a row that pause a schedule without its own setting (PAUSE_AFTER_FAILURES); 5 when unset. */
  pauseAfterFailures?: number;
};

/** Notifications from services to the rest of this process; each is absent where nothing listens. */
export type ApiEvents = Readonly<{
  /** To the scheduler in this process, which re-reads the schedule at once (others hear by NOTIFY). */
  scheduleChanged?: (scheduleId: number) => void;
  runQueued?: (runId: number) => void;
  /** A backfill was cancelled: the scheduler in this process stops its chunk if it runs one. */
  runCancelled?: (runId: number) => void;
  /** A token was revoked or a session ended: forget anything remembered about the user's credentials. */
  credentialsRevoked?: (userId: number) => void;
}>;

/**
 * Counts wrong current passwords on a password change. A stolen session must not become a way to guess
 * the password faster than the sign-in form allows, so the server passes its sign-in limiter (same
 * keys, same budget): an attempt is reserved before the hash is checked and given back on success.
 */
export type PasswordGuard = {
  reserve(clientKey: string, email: string): Promise<{ succeeded(): Promise<void> }>;
};

/**
 * What every service receives: plain values, so tests build them without a server. The server builds it
 * once (apps/server/src/compose.ts); the optional ports are absent where this process has no such part.
 */
export type ApiDeps = Readonly<{
  db: Db;
  clock: () => Date;
  log: Log;
  settings: Readonly<ApiSettings>;
  events?: ApiEvents;
  /** Sealing credentials, "test connection" and OAuth; absent on a server built without connectors. */
  connectors?: ConnectorsPort;
  /** Webhook secrets, the webhook address policy and test messages; absent on a server built without them. */
  notifications?: NotificationsPort;
  /** Each provider's deployment-wide concurrency budget and the slots taken now; absent without connectors. */
  providerBudgets?: () => Promise<ProviderBudgetJson[]>;
  /** This instance's scheduler figures, for administrators; absent when the scheduler is off. */
  schedulerStats?: () => SchedulerStatsJson;
  /** The sign-in limiter, for password changes; absent in plain service tests. */
  passwordGuard?: PasswordGuard;
}>;

/** The caller, as resolved from a session cookie or an API token. */
export type Viewer = ViewerJson;
