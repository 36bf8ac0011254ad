// Brings a PostgreSQL database to the newest schema (bot/storage/postgres/migrations, read like SQLite's
// by readMigrations). One transaction under an advisory lock: instances starting together queue on the
// lock, and the later ones find the versions applied and do nothing. DDL is transactional here, so a
// failing version leaves nothing of itself behind.
import type pg from 'pg';
import { projectPath } from '../../../intents/paths';
import { readMigrations } from '../migrations';
import { PgDb } from './db';
import { advisoryKey } from './pool';

export const POSTGRES_MIGRATIONS = projectPath('bot', 'storage', 'postgres', 'migrations');
const MIGRATION_LOCK = advisoryKey('seller-support-bot:migrations');

/** Applies the versions the database lacks; resolves with those it applied. */
export async function migrate(pool: pg.Pool, dir = POSTGRES_MIGRATIONS): Promise<number[]> {
  const migrations = readMigrations(dir);
  return new PgDb(pool).transaction(async (tx) => {
    // Start-up may wait here for another instance's migration, longer than an ordinary lock wait.
    await tx.query("SET LOCAL lock_timeout = '60s'; SET LOCAL statement_timeout = '120s'");
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_version (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Set((await tx.rows<{ version: number }>('SELECT version FROM schema_version')).map((row) => row.version));
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const step of migration.steps) await tx.query(step.sql);
      await tx.query('INSERT INTO schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}
