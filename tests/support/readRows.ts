// Reads rows from a running bot's SQLite file through a second, read-only connection (as an operator would).
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export function readRows<T>(dataDir: string, sql: string): T[] {
  const db = new BetterSqlite3(join(dataDir, 'bot.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
