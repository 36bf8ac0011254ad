// Schema versions as SQL files, read the same way for every backend: `NNN-name.sql` is version NNN, and
// a folder `NNN-name/` is one version made of steps (version 1: the tables the modules used to create
// one by one, each step naming the migration that made it then, so an older data directory is adopted).
// Each backend keeps its own folder of files (its SQL dialect) and applies them its own way.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface MigrationStep {
  file: string;
  sql: string;
  /** The name under which code before the runner recorded this step (`-- legacy: <name>` on its first line). */
  legacyName?: string;
}

export interface Migration {
  version: number;
  name: string;
  steps: MigrationStep[];
}

const VERSIONED = /^(\d{3})-([a-z0-9-]+)(\.sql)?$/;
const LEGACY = /^--\s*legacy:\s*(\S+)/;

function step(path: string, file: string): MigrationStep {
  const sql = readFileSync(path, 'utf8');
  const legacyName = LEGACY.exec(sql)?.[1];
  return legacyName ? { file, sql, legacyName } : { file, sql };
}

/** The migrations in a folder, by version; throws on a gap or a repeated version (a mistake, not data). */
export function readMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const match = VERSIONED.exec(entry);
    if (!match) continue;
    const path = join(dir, entry);
    const folder = statSync(path).isDirectory();
    if (folder === Boolean(match[3])) continue; // a folder named *.sql, or a file without .sql
    const steps = folder
      ? readdirSync(path).filter((f) => f.endsWith('.sql')).sort().map((f) => step(join(path, f), `${entry}/${f}`))
      : [step(path, entry)];
    migrations.push({ version: Number(match[1]), name: match[2]!, steps });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations in ${dir}: expected version ${i + 1}, found ${m.version}-${m.name}`);
  });
  return migrations;
}
