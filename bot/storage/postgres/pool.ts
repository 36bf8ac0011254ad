// The PostgreSQL connection pool every PostgreSQL port shares. Server-side time-outs bound what a dead or
// stuck holder can cost: a crashed instance's connection dies and frees its locks; a client that stops
// in the middle of a transaction is cut off instead of holding locks for ever.
import { createHash } from 'node:crypto';
import pg from 'pg';

export const TIMEOUTS = {
  /** Any statement (a turn's own writes are milliseconds). */
  statementMs: 15_000,
  /** Waiting for a row or table lock; the turn lock sets its own, longer wait (see turnLock.ts). */
  lockMs: 5_000,
  /** A transaction left idle this long is ended by the server: longer than a turn's slowest step. */
  idleInTransactionMs: 60_000,
  connectMs: 10_000,
} as const;

export function createPool(url: string, size: number, applicationName = 'seller-support-bot'): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: size,
    application_name: applicationName,
    connectionTimeoutMillis: TIMEOUTS.connectMs,
    statement_timeout: TIMEOUTS.statementMs,
    lock_timeout: TIMEOUTS.lockMs,
    idle_in_transaction_session_timeout: TIMEOUTS.idleInTransactionMs,
  });
}

/** A stable signed 64-bit advisory-lock key for a string (the same on every instance and release). */
export function advisoryKey(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}

const queues = new WeakMap<pg.PoolClient, Promise<unknown>>();

/**
 * A statement on a pool, or on a connection that several callers of one turn share: those run one after
 * another in call order (the driver would interleave them with a warning, and pg 9 refuses).
 */
export function query<R extends pg.QueryResultRow>(target: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
  if (target instanceof pg.Pool) return target.query<R>(sql, params);
  const run = () => target.query<R>(sql, params);
  const result = (queues.get(target) ?? Promise.resolve()).then(run, run);
  queues.set(target, result.catch(() => undefined));
  return result;
}
