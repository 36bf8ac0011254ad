// Coordination for several instances on one PostgreSQL database (DATABASE_URL). Jobs stay on each
// instance's own timers: every job is safe to run on all instances at once (the outbox sweep and the
// handoff timers only act through conditional writes, retention deletes are idempotent, the SQLite
// checkpointer is per process), so no leader has to be elected and none can be lost with its instance.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../logger';
import { migrate } from '../../storage/postgres/migrate';
import { createPool } from '../../storage/postgres/pool';
import { TimerJobs } from '../inProcess/jobs';
import type { Coordination } from '../ports';
import { PostgresEventBus } from './eventBus';
import { PostgresPresence } from './presence';
import { PostgresRateLimits } from './rateLimits';
import { PostgresTurnLock } from './turnLock';

/** Events kept for listeners that fell behind (and, later, SSE replay). */
const EVENTS_KEPT = '1 hour';

export interface PostgresCoordinationOptions {
  url: string;
  poolSize: number;
  logger: Pick<Logger, 'warn' | 'error'>;
  now: () => Date;
  /** Names this instance's presence rows; unique per process by default. */
  instance?: string;
  /** Shorter intervals for tests. */
  pollMs?: number;
  heartbeatMs?: number;
}

export interface PostgresCoordination extends Coordination {
  pool: pg.Pool;
  events: PostgresEventBus;
  presence: PostgresPresence;
  /** Stops the listener and heartbeat, removes this instance's presence, ends the pool. */
  close(): Promise<void>;
}

/** Connects, migrates (once across instances) and starts listening. */
export async function postgresCoordination(options: PostgresCoordinationOptions): Promise<PostgresCoordination> {
  const pool = createPool(options.url, options.poolSize);
  // An idle pooled connection the server dropped must not crash the process; the next query reconnects.
  pool.on('error', (error) => options.logger.warn({ err: error.message }, 'idle database connection lost'));
  try {
    await migrate(pool);
    const instance = options.instance ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const events = new PostgresEventBus(pool, { url: options.url, logger: options.logger, pollMs: options.pollMs });
    await events.start();
    const presence = new PostgresPresence(pool, events, { instance, logger: options.logger, heartbeatMs: options.heartbeatMs });
    await presence.start();
    const jobs = new TimerJobs(options.logger);
    jobs.add({
      name: 'postgres coordination cleanup',
      everyMs: 60_000,
      run: () =>
        pool.query(
          `DELETE FROM events WHERE created_at < now() - interval '${EVENTS_KEPT}';
           DELETE FROM presence WHERE seen_at < now() - make_interval(secs => ${presence.ttlMs / 1000} * 4);
           DELETE FROM rate_limits WHERE window_end < ${options.now().getTime()};`,
        ),
    });
    return {
      pool,
      turns: new PostgresTurnLock(pool, { maxConnections: Math.floor(options.poolSize / 2) }),
      presence,
      events,
      jobs,
      rateLimits: new PostgresRateLimits(pool, () => options.now().getTime()),
      async close() {
        await jobs.stop();
        await presence.close();
        await events.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
