// The WAL checkpointer worker: writes committed on the bot's connection reach the main database file
// without the bot's connection checkpointing, and stop() ends the worker.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckpointer } from '../../bot/storage/sqlite/checkpointer';
import { closeDatabase, openDatabase } from '../../bot/storage/sqlite/database';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('the worker folds the WAL into the database file while the bot keeps writing', async () => {
  const file = join(dir, 'bot.sqlite');
  const db = openDatabase(file);
  const checkpointer = startCheckpointer(db);
  try {
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000); // the bot's own connection only finishes what the worker leaves
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const before = statSync(file).size;
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000)); // ~400 KB, far below the fallback threshold
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 300_000 && Date.now() < deadline) {
      checkpointer.job.run(); // what the jobs do every 100 ms
      await sleep(25);
    }
    expect(statSync(file).size).toBeGreaterThanOrEqual(before + 300_000);
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(200);
  } finally {
    await checkpointer.stop();
    closeDatabase(db);
  }
});

test('stop() resolves promptly and twice is fine; in-memory databases get no worker', async () => {
  const db = openDatabase(join(dir, 'bot.sqlite'));
  const checkpointer = startCheckpointer(db);
  const started = Date.now();
  await Promise.all([checkpointer.stop(), checkpointer.stop()]);
  expect(Date.now() - started).toBeLessThan(2500);
  closeDatabase(db);

  const memory = openDatabase(':memory:');
  await startCheckpointer(memory).stop();
  closeDatabase(memory);
});
