import type { Db } from '@kpi/db';
import type { ConnectorsPort } from './services/connections-port.ts';
import type { SchedulerStatsJson, ViewerJson } from './validators/answers/account.ts';

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
};

/** Notifications from services to the rest of this process; each is absent where nothing listens. */
export type ApiEvents = Readonly<{
  /** To the scheduler in this process, which re-reads the schedule at once (others hear by NOTIFY). */
  scheduleChanged?: (scheduleId: number) => void;
  runQueued?: (runId: number) => void;
  /** A token was revoked or a session ended: forget anything remembered about the user's credentials. */
  credentialsRevoked?: (userId: number) => void;
}>;

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
  /** This instance's scheduler figures, for administrators; absent when the scheduler is off. */
  schedulerStats?: () => SchedulerStatsJson;
}>;

/** The caller, as resolved from a session cookie or an API token. */
export type Viewer = ViewerJson;
