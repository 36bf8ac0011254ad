// Units of work: one conversation's turn shares one transaction, found by the stores through
// AsyncLocalStorage rather than passed through every call.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UnitOfWork } from './ports';

/**
 * SQLite's unit of work runs the turn as it is, each statement committing on its own: better-sqlite3 is
 * synchronous on one connection shared by every conversation of the process, so a transaction held
 * across a turn's awaits would take in other conversations' writes and keep the write lock from other
 * processes (the CLI, the checkpointer) for the whole turn. Atomicity where it matters (a queue entry, a
 * ticket, a web chat append) lives inside single store calls; turns of one conversation are already one
 * at a time. It also keeps AsyncLocalStorage (and its promise hooks) off the SQLite turn path.
 */
export const directUnitOfWork: UnitOfWork = {
  run: (_key, work) => work(),
};

export interface Transaction<Tx> {
  tx: Tx;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * A unit of work for a backend with real transactions (PostgreSQL): `run` begins one for the key (where
 * such a backend also takes the conversation's lock), the stores read it with `current()`, and it commits
 * when `work` resolves or rolls back when it throws. A nested `run` joins the transaction already open.
 */
export class TransactionalUnitOfWork<Tx> implements UnitOfWork {
  private readonly scope = new AsyncLocalStorage<{ key: string; tx: Tx }>();

  constructor(private readonly begin: (key: string) => Promise<Transaction<Tx>>) {}

  /** The transaction of the unit of work this call runs in, if any. */
  current(): Tx | undefined {
    return this.scope.getStore()?.tx;
  }

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const open = this.scope.getStore();
    if (open) {
      if (open.key !== key) throw new Error(`unit of work for ${key} started inside the one for ${open.key}`);
      return work();
    }
    const transaction = await this.begin(key);
    let result: T;
    try {
      result = await this.scope.run({ key, tx: transaction.tx }, work);
    } catch (error) {
      await transaction.rollback();
      throw error;
    }
    await transaction.commit();
    return result;
  }
}
