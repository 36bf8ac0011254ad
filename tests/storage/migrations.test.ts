// The migration runner over bot/storage/sqlite/migrations: versions run once, in order, each in one
// transaction; a new database gets exactly the tables today's code made one module at a time.
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrations } from '../../bot/storage/migrations';
import { type Database, closeDatabase, openDatabase } from '../../bot/storage/sqlite/database';
import { SQLITE_MIGRATIONS, migrateDatabase } from '../../bot/storage/sqlite/migrate';

let dir: string;
const open: Database[] = [];
const opened = (db: Database) => (open.push(db), db);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migrations-'));
});

afterEach(() => {
  for (const db of open.splice(0)) closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

/** The schema as SQLite keeps it (tables, indexes), without the runner's own bookkeeping; layout and comments aside. */
function schema(db: Database): { type: string; name: string; sql: string | null }[] {
  return db
    .prepare<[], { type: string; name: string; sql: string | null }>(
      "SELECT type, name, sql FROM sqlite_master WHERE name NOT IN ('schema_version', 'migrations') AND name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )
    .all()
    .map((t) => ({ ...t, sql: t.sql && t.sql.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')') }));
}

const LATEST = readMigrations(SQLITE_MIGRATIONS).length;
const pad = (version: number) => String(version).padStart(3, '0');

/** A copy of the real migrations plus `extra` files (`{next}` in a name: the next version), to add versions without touching the project. */
function migrationsWith(extra: Record<string, string>): string {
  const copy = join(dir, 'migrations');
  cpSync(SQLITE_MIGRATIONS, copy, { recursive: true });
  for (const [file, sql] of Object.entries(extra)) writeFileSync(join(copy, file.replace('{next}', pad(LATEST + 1))), sql);
  return copy;
}

/** The real migrations up to `version`. */
function migrationsUpTo(version: number): string {
  const copy = join(dir, `migrations-${version}`);
  cpSync(SQLITE_MIGRATIONS, copy, { recursive: true });
  for (const entry of readdirSync(copy)) if (Number(entry.slice(0, 3)) > version) rmSync(join(copy, entry), { recursive: true });
  return copy;
}

const FIXTURES: Record<string, string> = {
  'before-issue-12': join('before-issue-12', 'bot.sqlite'),
  'before-issue-15': join('before-issue-15', 'data-dir', 'bot.sqlite'),
  'webchat-before-port': join('webchat-before-port', 'bot.sqlite'),
};

function fixtureCopy(name: string): Database {
  cpSync(join(__dirname, '..', 'fixtures', FIXTURES[name]!), join(dir, `${name}.sqlite`));
  return opened(openDatabase(join(dir, `${name}.sqlite`), { migrate: false }));
}

test('version 1 is the schema a data directory made by the code before the runner has; a new database gets every version', () => {
  const first = opened(openDatabase(join(dir, 'first.sqlite'), { migrate: false }));
  expect(migrateDatabase(first, migrationsUpTo(1))).toEqual({ from: 0, to: 1 });
  expect(schema(first)).toEqual(schema(fixtureCopy('before-issue-15')));
  const db = opened(openDatabase(join(dir, 'bot.sqlite')));
  expect(db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).toEqual(readMigrations(SQLITE_MIGRATIONS).map((m) => m.version));
  expect(schema(db).map((t) => t.name)).toEqual(expect.arrayContaining(['storage', 'transcript_activities', 'conversation_references', 'outbox_messages', 'handoff_sessions', 'handoff_agent_sessions', 'webchat_conversations']));
  // Nothing older to complete: a new database has no table of the old per-module records.
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'migrations'").get()).toBeUndefined();
});

test('an older data directory, adopted and brought up to date, has the schema of a new one', () => {
  const fresh = opened(openDatabase(join(dir, 'bot.sqlite')));
  for (const name of Object.keys(FIXTURES)) {
    const old = fixtureCopy(name);
    expect(migrateDatabase(old)).toEqual({ from: 0, to: LATEST });
    expect(schema(old)).toEqual(schema(fresh));
  }
});

test('each version runs once, also across reopening; a later version runs on a database at an earlier one', () => {
  const file = join(dir, 'bot.sqlite');
  closeDatabase(openDatabase(file));
  const migrations = migrationsWith({ '{next}-notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);' });
  const db = opened(openDatabase(file, { migrate: false }));
  expect(migrateDatabase(db, migrations)).toEqual({ from: LATEST, to: LATEST + 1 });
  expect(migrateDatabase(db, migrations)).toEqual({ from: LATEST + 1, to: LATEST + 1 });
  db.prepare("INSERT INTO notes (text) VALUES ('kept')").run();
  closeDatabase(db);
  const again = opened(openDatabase(file, { migrate: false }));
  expect(migrateDatabase(again, migrations)).toEqual({ from: LATEST + 1, to: LATEST + 1 });
  expect(again.prepare('SELECT text FROM notes').pluck().all()).toEqual(['kept']);
  expect(again.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).toBe(LATEST + 1);
});

test('a failing version is not recorded and leaves nothing of itself behind; fixed, it runs', () => {
  const db = opened(openDatabase(join(dir, 'bot.sqlite')));
  const broken = migrationsWith({ '{next}-broken.sql': 'CREATE TABLE a (x); CREATE TABLE broken (' });
  expect(() => migrateDatabase(db, broken)).toThrow();
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").get()).toBeUndefined();
  expect(db.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).toBe(LATEST);
  writeFileSync(join(broken, `${pad(LATEST + 1)}-broken.sql`), 'CREATE TABLE a (x);');
  expect(migrateDatabase(db, broken)).toEqual({ from: LATEST, to: LATEST + 1 });
});

test('versions must follow each other: a gap is refused before anything runs', () => {
  const gap = migrationsWith({ [`${pad(LATEST + 2)}-skipped-one.sql`]: 'CREATE TABLE c (x);' });
  expect(() => readMigrations(gap)).toThrow(`expected version ${LATEST + 1}, found ${LATEST + 2}-skipped-one`);
  const db = opened(openDatabase(join(dir, 'bot.sqlite'), { migrate: false }));
  expect(() => migrateDatabase(db, gap)).toThrow();
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'storage'").get()).toBeUndefined();
});

test('version 1 is the eight migrations the modules used to run, each naming the record it replaces', () => {
  const [initial] = readMigrations(SQLITE_MIGRATIONS);
  expect(initial!.steps.map((s) => s.legacyName)).toEqual([
    'storage/001-create',
    'transcript/001-create',
    'conversation-references/001-create',
    'conversation-references/002-channel-key',
    'outbox/001-create',
    'handoff/001-create',
    'handoff/002-agent-sessions',
    'webchat/001-create',
  ]);
});

test('a data directory whose modules never all ran (no web chat, say) gets the missing tables, and the old records complete', () => {
  const file = join(dir, 'bot.sqlite');
  const [initial] = readMigrations(SQLITE_MIGRATIONS);
  const legacy = opened(openDatabase(file, { migrate: false }));
  // As the code before the runner left it with LOCAL_WEBCHAT=false: every module but the web chat.
  legacy.exec('CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  legacy.function('url_origin', (_url: unknown) => '');
  for (const step of initial!.steps.filter((s) => s.legacyName !== 'webchat/001-create')) {
    legacy.exec(step.sql);
    legacy.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)').run(step.legacyName, '2026-11-01T00:00:00.000Z');
  }
  legacy.prepare("INSERT INTO storage (key, value, etag) VALUES ('k', '{}', 1)").run();
  expect(migrateDatabase(legacy, migrationsUpTo(1))).toEqual({ from: 0, to: 1 });
  expect(legacy.prepare("SELECT name FROM sqlite_master WHERE name = 'webchat_conversations'").get()).toBeDefined();
  expect(legacy.prepare('SELECT COUNT(*) FROM migrations').pluck().get()).toBe(8);
  expect(legacy.prepare('SELECT key FROM storage').pluck().all()).toEqual(['k']);
});
