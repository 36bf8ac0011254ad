// Runs the PostgreSQL migrations once at start-up. One transaction under an advisory lock: instances
// starting together queue on the lock, and the later ones find the versions applied and do nothing.
import type pg from 'pg';
import { type Migration, MIGRATIONS } from './migrations';
import { advisoryKey } from './pool';

const MIGRATION_LOCK = advisoryKey('seller-support-bot:migrations');

/** Applies the versions the database lacks; returns those it applied. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Start-up may wait here for another instance's migration, longer than an ordinary lock wait.
    await client.query("SET LOCAL lock_timeout = '60s'; SET LOCAL statement_timeout = '120s'");
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
