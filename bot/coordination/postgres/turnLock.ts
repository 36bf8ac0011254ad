// The turn lock across instances: pg_advisory_xact_lock on a hash of the key, held by a transaction on a
// pooled connection for the length of the work; commit, rollback or the connection's death (a crashed
// instance) frees it. Within one instance the same key is chained in memory first, so a busy conversation
// ties up at most one connection per instance, and a bound on connections held here keeps the pool free
// for everything else (the work itself needs connections too).
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { InProcessTurnLock } from '../inProcess/turnLock';
import type { TurnLock } from '../ports';
import { advisoryKey, query } from '../../storage/postgres/pool';

/** First come, first served: at most `limit` holders at once. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.used >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on without being freed
      else this.used -= 1;
    }
  }
}

/** A transaction holding a conversation's lock; `open` turns false once it ended (late callbacks must not use it). */
export interface LockedTransaction {
  client: pg.PoolClient;
  open: boolean;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * Begins a transaction on a pooled connection and takes the key's advisory lock in it (one round trip),
 * waiting at most `waitMs`; the key is our own 64-bit number, never text from a request.
 */
export async function beginLocked(pool: pg.Pool, key: string, waitMs: number): Promise<LockedTransaction> {
  const client = await pool.connect();
  // A held connection that dies (server restart, terminated backend) emits 'error' outside any query;
  // unheard, that would end the process. The lock is lost with it, and the commit then fails.
  const ignore = () => undefined;
  client.on('error', ignore);
  const release = (error?: Error) => {
    client.off('error', ignore);
    client.release(error);
  };
  try {
    await client.query(`BEGIN; SET LOCAL lock_timeout = ${Math.round(waitMs)}; SELECT pg_advisory_xact_lock(${advisoryKey(`turn\n${key}`)})`);
  } catch (error) {
    release(error as Error); // a half-open transaction must not go back to the pool
    throw error;
  }
  const end = async (command: 'COMMIT' | 'ROLLBACK') => {
    if (!tx.open) return;
    tx.open = false;
    try {
      await query(client, command);
    } catch (error) {
      release(error as Error);
      throw error;
    }
    release();
  };
  const tx: LockedTransaction = { client, open: true, commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
  return tx;
}

export interface PostgresTurnLockOptions {
  /** Connections this instance may hold for turns (holding or waiting); default half the pool. */
  maxConnections: number;
  /** How long one turn may wait for another instance's turn of the same conversation. */
  waitMs?: number;
}

export class PostgresTurnLock implements TurnLock {
  private static readonly scope = new AsyncLocalStorage<LockedTransaction>();
  private readonly local = new InProcessTurnLock();
  private readonly slots: Slots;
  private readonly waitMs: number;

  /** The connection of the turn this call runs in, while its transaction is open (the stores share it). */
  static current(): pg.PoolClient | undefined {
    const tx = PostgresTurnLock.scope.getStore();
    return tx?.open ? tx.client : undefined;
  }

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresTurnLockOptions,
  ) {
    this.slots = new Slots(Math.max(1, options.maxConnections));
    this.waitMs = options.waitMs ?? 30_000;
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.slots.run(() => this.locked(key, work)));
  }

  drain(): Promise<void> {
    return this.local.drain();
  }

  private async locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const tx = await beginLocked(this.pool, key, this.waitMs);
    let result: T;
    try {
      result = await PostgresTurnLock.scope.run(tx, work);
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
    await tx.commit();
    return result;
  }
}
