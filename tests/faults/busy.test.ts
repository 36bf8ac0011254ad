// SQLite busy/locked: another connection (a second process, an operator's CLI) holding the write lock makes
// a write fail with SQLITE_BUSY once SQLite's own busy_timeout is exhausted. Every write path of the bot goes
// through withBusyRetry and comes through once the lock is released.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createLogger } from '../../bot/logger';
import { Outbox } from '../../bot/outbox';
import { openSqliteStores } from '../../bot/storage/sqlite';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bot-busy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another connection, in another thread, takes the write lock and keeps it for `holdMs`. */
async function holdWriteLock(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require(workerData.driver);
     const db = new Database(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('locked');
     setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.holdMs);`,
    { eval: true, workerData: { file, holdMs, driver: require.resolve('better-sqlite3') } },
  );
  const messages: string[] = [];
  const waitFor = (what: string) =>
    new Promise<void>((resolve, reject) => {
      if (messages.includes(what)) return resolve();
      worker.on('message', (m: string) => m === what && resolve());
      worker.once('error', reject);
    });
  worker.on('message', (m: string) => messages.push(m));
  await waitFor('locked');
  return { released: waitFor('released').then(() => worker.terminate().then(() => undefined)) };
}

test('every store write waits out a lock held by another connection (withBusyRetry), instead of failing', async () => {
  const file = join(dir, 'bot.sqlite');
  const stores = openSqliteStores(file);
  const { db, dialogState: storage, transcripts, handoff, references, webChat } = stores;
  const outbox = new Outbox({
    store: stores.outbox,
    logger: createLogger('silent'),
    channels: { get: () => undefined },
    attemptTimeoutMs: 100,
    retryBaseMs: 100,
    retryMaxMs: 100,
    maxAgeMs: 60_000,
  });
  // SQLite would otherwise wait up to busy_timeout itself: switched off, only withBusyRetry is left.
  db.pragma('busy_timeout = 0');

  // Control: a bare statement fails while the other connection holds the lock.
  let lock = await holdWriteLock(file, 150);
  expect(() => db.prepare('CREATE TABLE t (x)').run()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
  await lock.released;

  const writes: [string, () => unknown][] = [
    ['state', () => storage.write({ 'test/conversations/c/state': { step: 1 } })],
    ['transcript', () => transcripts.logActivity({ type: 'message', channelId: 'test', conversation: { id: 'c' } as never, from: { id: 'u' } as never, text: 'hi' })],
    ['reference', () => references.save({ conversation: { id: 'c' } as never, serviceUrl: 'http://127.0.0.1:1/' })],
    ['queue entry', () => handoff.createSession(
      { conversationId: 'c', channelId: 'test', reason: 'requested', language: 'ko', queuedAt: new Date().toISOString(), summary: { topics: [], productNumber: null, lastMessage: null, messagesWhileWaiting: 0, attachments: 0 }, estimateMinutes: 5, position: 1 },
      '260101',
    )],
    ['ticket', () => handoff.createDraftTicket('t', 'test', 'ko', new Date().toISOString(), '260101')],
    ['agent message', () => handoff.addAgentMessage('c', null, '민지', '안녕하세요', new Date().toISOString())],
    ['outbox', () => outbox.store.add([{ conversationId: 'c', channelId: 'test', channel: 'test', address: '{}', activityId: 'a1', activity: '{}', createdAt: Date.now() }])],
    ['web chat', () => webChat.createConversation('w', 'u', 'ko-KR', new Date())],
  ];
  for (const [name, write] of writes) {
    lock = await holdWriteLock(file, 60);
    const started = Date.now();
    try {
      await write();
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(40); // it did wait for the lock
    await lock.released;
  }
  expect(Object.keys(await storage.read(['test/conversations/c/state']))).toHaveLength(1);
  expect(await transcripts.getRecentActivities('test', 'c', 10)).toHaveLength(1);
  expect((await handoff.openSession('c'))?.status).toBe('waiting');
  expect(await outbox.store.pendingActivityIds('c')).toEqual(['a1']);
  await stores.close();
});
