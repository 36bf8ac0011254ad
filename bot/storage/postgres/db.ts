// How the PostgreSQL stores reach the database: inside a unit of work (a turn) on its transaction's
// connection, otherwise on the pool, each statement committing on its own.
import type pg from 'pg';
import { PostgresTurnLock, beginLocked } from '../../coordination/postgres/turnLock';
import type { Transaction } from '../unitOfWork';
import { query } from './pool';
import { TransactionalUnitOfWork } from '../unitOfWork';

/** How long a unit of work begun outside a turn waits for the conversation's lock. */
const LOCK_WAIT_MS = 30_000;

interface Tx {
  client: pg.PoolClient;
  open: boolean;
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite can, and sellers send it): it is stored as U+FFFD, in
 * plain values and inside JSON strings alike, the same on every write and every lookup.
 */
function withoutNul(value: unknown): unknown {
  return typeof value === 'string' && value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

/** JSON text for a jsonb column (which refuses the escape \u0000 that JSON.stringify makes of U+0000). */
export function jsonb(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => withoutNul(v));
}

/** The same for JSON that arrives as text. */
export function jsonbText(text: string): string {
  return text.includes('\\u0000') ? jsonb(JSON.parse(text)) : text;
}

/** A timestamptz column as the ISO text Date#toISOString writes (what the ports carry). */
export function iso(column: string, as = column): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${as}`;
}

/** A timestamptz column as epoch milliseconds. */
export function epochMs(column: string, as = column): string {
  return `round(extract(epoch FROM ${column}) * 1000)::float8 AS ${as}`;
}

/** Statements on one target: a transaction's connection or the pool. */
export class Executor {
  constructor(private readonly target: () => pg.Pool | pg.PoolClient) {}

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return query<R>(this.target(), sql, params.map(withoutNul));
  }

  async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.query<R>(sql, params)).rows;
  }

  async row<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R | undefined> {
    return (await this.query<R>(sql, params)).rows[0];
  }
}

export class PgDb extends Executor {
  /**
   * A turn's unit of work. Inside the turn lock (every turn) it is a savepoint of the lock's own
   * transaction, so a failing turn's writes are undone even when the error is handled above it; outside,
   * it begins its own transaction and takes the conversation's lock there.
   */
  readonly unitOfWork: TransactionalUnitOfWork<Tx>;

  constructor(readonly pool: pg.Pool) {
    super(() => this.client() ?? pool);
    this.unitOfWork = new TransactionalUnitOfWork<Tx>((key) => this.begin(key));
  }

  /** The open transaction this call runs in, if any. */
  private client(): pg.PoolClient | undefined {
    const tx = this.unitOfWork.current();
    return tx?.open ? tx.client : PostgresTurnLock.current();
  }

  /** Several statements as one: joins the open transaction, else runs in one of its own. */
  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    const open = this.client();
    if (open) return work(new Executor(() => open));
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new Executor(() => client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async begin(key: string): Promise<Transaction<Tx>> {
    const held = PostgresTurnLock.current();
    if (held) {
      await query(held, 'SAVEPOINT unit_of_work');
      const tx: Tx = { client: held, open: true };
      const end = async (command: string) => {
        tx.open = false;
        await query(held, command);
      };
      return { tx, commit: () => end('RELEASE SAVEPOINT unit_of_work'), rollback: () => end('ROLLBACK TO SAVEPOINT unit_of_work') };
    }
    const locked = await beginLocked(this.pool, key, LOCK_WAIT_MS);
    return { tx: locked, commit: () => locked.commit(), rollback: () => locked.rollback() };
  }
}
