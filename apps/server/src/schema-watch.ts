import { applyMigrations, type Database, missingTables } from '@kpi/db';
import type { Logger } from 'pino';

/**
 * Brings the schema up on start and, if that fails (a database the application may not alter), keeps
 * checking until someone else creates it: the application then starts working without a restart.
 */
export class SchemaWatch {
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
    private readonly recheckMs: number,
    private readonly migrationsDir?: string,
  ) {}

  isReady(): boolean {
    return this.ready;
  }

  /** Resolves once the schema is complete (at once if it already is). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  async start(): Promise<void> {
    await this.check(true);
  }

  private async check(first: boolean): Promise<void> {
    try {
      const outcome = await applyMigrations(this.database, this.migrationsDir, {
        onRetry: (error, attempt) =>
          this.log.warn({ event: 'migrations-retry', attempt, err: error }, 'the migrations met a lock; trying again'),
      });
      if (first)
        this.log.info(
          { event: 'migrations', ran: outcome.ran, fingerprint: outcome.fingerprint },
          outcome.ran ? 'migrations applied' : 'schema already current',
        );
    } catch (error) {
      if (first)
        this.log.warn({ event: 'migrations-failed', err: error }, 'could not apply migrations; checking the schema as it is');
    }
    let missing: string[];
    try {
      missing = await missingTables(this.database);
    } catch (error) {
      this.log.warn({ event: 'schema-check-failed', err: error }, 'could not check the schema');
      missing = ['(database unreachable)'];
    }
    if (missing.length === 0) {
      this.ready = true;
      this.log.info({ event: 'schema-ready' }, 'schema is complete');
      for (const resolve of this.waiters.splice(0)) resolve();
      return;
    }
    if (first) this.log.warn({ event: 'schema-missing', missing }, 'tables are missing; will check again');
    this.timer = setTimeout(() => void this.check(false), this.recheckMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
