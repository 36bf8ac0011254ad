import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrateDatabase } from './migrate';

export type Database = BetterSqlite3.Database;

/**
 * Opens (creating if needed) the bot's SQLite file with the settings every module relies on, and brings
 * its schema to the newest version (unless `migrate` is false). `:memory:` is accepted for throwaway databases.
 */
export function openDatabase(file: string, { migrate = true }: { migrate?: boolean } = {}): Database {
  // Seller conversations and agent sessions: readable by the bot's own user only.
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(file);
  // WAL lets readers (e.g. an operator console) run while the bot writes; NORMAL is durable
  // across application crashes in WAL mode and only risks the last commits on power loss.
  db.pragma('journal_mode = WAL');
  if (file !== ':memory:') {
    // SQLite creates its files with the process umask (0644 by default); the WAL and shm files exist
    // once WAL mode is on and keep their mode across checkpoints.
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      try {
        chmodSync(path, 0o600);
      } catch {
        // a file system without modes, or a file SQLite has not created
      }
    }
  }
  db.pragma('synchronous = NORMAL');
  // A second process (CLI, worker) may hold the write lock briefly; wait instead of failing.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  if (migrate) migrateDatabase(db);
  return db;
}

const BUSY_CODE = /^SQLITE_(BUSY|LOCKED)(_|$)/;

function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && BUSY_CODE.test(code);
}

/** Blocks the thread; acceptable here because the waits are a few tens of milliseconds. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Retries a synchronous database operation when SQLite reports SQLITE_BUSY / SQLITE_LOCKED
 * (including extended codes like SQLITE_BUSY_SNAPSHOT), which `busy_timeout` does not cover
 * in every case (e.g. a deferred transaction that cannot upgrade to a write lock).
 * Wrap a whole transaction, not a statement inside one: a failed statement leaves the
 * surrounding transaction in an undefined state. Other errors are rethrown immediately.
 */
export function withBusyRetry<T>(fn: () => T, retries = 4, delayMs = 20): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (attempt >= retries || !isBusyError(err)) throw err;
      sleepSync(delayMs * 2 ** attempt);
    }
  }
}

/** Folds the WAL back into the main file (so the .db file alone is a complete copy) and closes. */
export function closeDatabase(db: Database): void {
  if (!db.open) return;
  try {
    if (!db.memory) db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
