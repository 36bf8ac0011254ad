// Where the app gets its stores: the one place that picks a backend. SQLite in DATA_DIR by default;
// with DATABASE_URL, PostgreSQL (postgres/) for the stores and the coordination alike.
import { join } from 'node:path';
import type { Config } from '../config';
import { type PostgresCoordination, postgresCoordination } from '../coordination/postgres';
import type { Logger } from '../logger';
import type { Stores } from './ports';
import { openPostgresStores } from './postgres';
import { openSqliteStores } from './sqlite';

export type { Stores } from './ports';

/** Names under DATA_DIR (kept across versions: an existing data directory opens unchanged). */
export const DATABASE_FILE = 'bot.sqlite';

export function openStores(config: Pick<Config, 'dataDir'>, logger: Pick<Logger, 'warn'>): Stores {
  return openSqliteStores(join(config.dataDir, DATABASE_FILE), {
    onError: (err) => logger.warn({ err: err.message }, 'WAL checkpoint worker'),
  });
}

/**
 * DATABASE_URL: every store and the coordination (turn lock, presence, fan-out, rate limits) on one
 * PostgreSQL pool, its schema migrated first, so instances behind a load balancer share them. Undefined
 * without it: the app opens SQLite (openStores) and coordinates in process. The caller closes
 * `coordination` after the app (it owns the pool).
 */
export async function openSharedBackend(
  config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>,
  logger: Pick<Logger, 'warn' | 'error'>,
): Promise<{ stores: Stores; coordination: PostgresCoordination } | undefined> {
  if (!config.DATABASE_URL) return undefined;
  const coordination = await postgresCoordination({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger, now: () => new Date() });
  return { stores: openPostgresStores(coordination.pool), coordination };
}
