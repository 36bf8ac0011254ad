// Brings a SQLite database to the newest schema version (bot/storage/sqlite/migrations). The applied
// versions are rows of `schema_version`. A database made before the runner has the old per-module
// `migrations` table instead: its steps of version 1 that are recorded there are skipped (an existing
// DATA_DIR opens unchanged), the others run, and the old table keeps being completed for its readers.
import { projectPath } from '../../../intents/paths';
import { originOf } from '../../http';
import { type Migration, readMigrations } from '../migrations';
import type { Database } from './database';

export const SQLITE_MIGRATIONS = projectPath('bot', 'storage', 'sqlite', 'migrations');

export interface MigrationResult {
  from: number;
  to: number;
}

export function migrateDatabase(db: Database, dir = SQLITE_MIGRATIONS): MigrationResult {
  const migrations = readMigrations(dir);
  // Step 4 of version 1 gives old reference rows the origin of their serviceUrl.
  db.function('url_origin', { deterministic: true }, (url: unknown) => originOf(url));
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const current = db.prepare<[], number>('SELECT COALESCE(MAX(version), 0) FROM schema_version').pluck();
  const from = current.get()!;
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock before the version is read again, so two processes starting
    // together cannot both apply a version; a failing version leaves nothing of itself behind.
    db.transaction(() => {
      if (current.get()! >= migration.version) return;
      apply(db, migration);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, new Date().toISOString());
    }).immediate();
  }
  return { from, to: current.get()! };
}

function apply(db: Database, migration: Migration): void {
  const legacy = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get() !== undefined;
  const done = new Set(legacy ? db.prepare<[], string>('SELECT name FROM migrations').pluck().all() : []);
  for (const step of migration.steps) {
    if (step.legacyName && done.has(step.legacyName)) continue;
    db.exec(step.sql);
    if (legacy && step.legacyName) db.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)').run(step.legacyName, new Date().toISOString());
  }
}
