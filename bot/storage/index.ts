// Where the app gets its stores: the one place that picks a backend. A second backend (PostgreSQL) is a
// folder beside sqlite/ implementing ports.ts, and a branch here.
import { join } from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Stores } from './ports';
import { openSqliteStores } from './sqlite';

export type { Stores } from './ports';

/** Names under DATA_DIR (kept across versions: an existing data directory opens unchanged). */
export const DATABASE_FILE = 'bot.sqlite';

export function openStores(config: Pick<Config, 'dataDir'>, logger: Pick<Logger, 'warn'>): Stores {
  return openSqliteStores(join(config.dataDir, DATABASE_FILE), {
    onError: (err) => logger.warn({ err: err.message }, 'WAL checkpoint worker'),
  });
}
