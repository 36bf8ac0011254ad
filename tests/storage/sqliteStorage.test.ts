import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoSaveStateMiddleware, ConversationState, MemoryStorage, type Storage, TestAdapter, UserState } from 'botbuilder';
import { type Database, closeDatabase, openDatabase, withBusyRetry } from '../../bot/storage/sqlite/database';
import { SqliteStorage } from '../../bot/storage/sqlite/dialogState';

let dir: string;
let file: string;
const open: Database[] = [];

function openStorage(): SqliteStorage {
  const db = openDatabase(file);
  open.push(db);
  return new SqliteStorage(db);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-storage-'));
  // A nested path checks that openDatabase creates the parent folder.
  file = join(dir, 'data', 'bot.db');
});

afterEach(() => {
  for (const db of open.splice(0)) closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('database helpers', () => {
  test('openDatabase applies the pragmas', () => {
    const db = openDatabase(file);
    open.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  test('withBusyRetry retries SQLITE_BUSY / SQLITE_LOCKED and returns the result', () => {
    let calls = 0;
    const result = withBusyRetry(() => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('locked'), { code: 'SQLITE_LOCKED' });
      if (calls === 2) throw Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  test('withBusyRetry rethrows other errors at once', () => {
    let calls = 0;
    const failure = Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
    expect(() =>
      withBusyRetry(() => {
        calls++;
        throw failure;
      }),
    ).toThrow(failure);
    expect(calls).toBe(1);
  });

  test('withBusyRetry gives up after its retries and rethrows the real SQLITE_BUSY', () => {
    const holder = openDatabase(file);
    const other = openDatabase(file);
    open.push(holder, other);
    holder.exec('CREATE TABLE t (x INTEGER)');
    other.pragma('busy_timeout = 0'); // fail fast instead of waiting 5 s per attempt
    holder.exec('BEGIN IMMEDIATE');
    let calls = 0;
    try {
      expect(() =>
        withBusyRetry(() => {
          calls++;
          other.prepare('INSERT INTO t VALUES (1)').run();
        }, 2, 1),
      ).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
      expect(calls).toBe(3);
    } finally {
      holder.exec('ROLLBACK');
    }
  });
});

describe('SqliteStorage', () => {
  const key = 'webchat/conversations/abc|123/';

  test('read returns only existing keys, with a string eTag', async () => {
    const storage = openStorage();
    await storage.write({ [key]: { count: 1, nested: { a: [1, 2] } }, '사용자/키 "quoted"': { name: '김' } });
    const items = await storage.read([key, 'missing', '사용자/키 "quoted"']);
    expect(Object.keys(items).sort()).toEqual([key, '사용자/키 "quoted"'].sort());
    expect(items[key]).toEqual({ count: 1, nested: { a: [1, 2] }, eTag: expect.any(String) });
    expect(items['사용자/키 "quoted"'].name).toBe('김');
    expect(await storage.read([])).toEqual({});
  });

  test('write does not modify the caller object and each write gets a new eTag', async () => {
    const storage = openStorage();
    const item = { value: 'a' };
    await storage.write({ [key]: item });
    expect(item).toEqual({ value: 'a' });
    const first = (await storage.read([key]))[key];
    await storage.write({ [key]: first });
    const second = (await storage.read([key]))[key];
    expect(second.eTag).not.toBe(first.eTag);
  });

  test('delete removes keys and ignores missing ones', async () => {
    const storage = openStorage();
    await storage.write({ a: { v: 1 }, b: { v: 2 } });
    await storage.delete(['a', 'never-written']);
    expect(await storage.read(['a', 'b'])).toEqual({ b: { v: 2, eTag: expect.any(String) } });
  });

  test('eTag conflict throws like MemoryStorage; "*" and a missing eTag overwrite', async () => {
    const storage = openStorage();
    await storage.write({ [key]: { v: 1 } });
    const stale = (await storage.read([key]))[key];
    await storage.write({ [key]: { ...stale, v: 2 } }); // matching eTag succeeds
    await expect(storage.write({ [key]: { ...stale, v: 3 } })).rejects.toThrow(
      `Storage: error writing "${key}" due to eTag conflict.`,
    );
    expect((await storage.read([key]))[key].v).toBe(2);

    await storage.write({ [key]: { v: 4, eTag: '*' } });
    expect((await storage.read([key]))[key].v).toBe(4);
    await storage.write({ [key]: { v: 5, eTag: '' } });
    await storage.write({ [key]: { v: 6 } });
    expect((await storage.read([key]))[key].v).toBe(6);
  });

  test('conflict behaviour matches MemoryStorage, including a new key written with an eTag', async () => {
    const scenario = async (storage: Storage) => {
      const outcomes: string[] = [];
      const attempt = async (changes: Record<string, object>) => {
        try {
          await storage.write(changes);
          outcomes.push('ok');
        } catch (err) {
          outcomes.push((err as Error).message);
        }
      };
      await attempt({ k: { v: 1, eTag: 'does-not-exist-yet' } });
      const read = (await storage.read(['k'])).k;
      await attempt({ k: { ...read, v: 2 } });
      await attempt({ k: { ...read, v: 3 } });
      await attempt({ k: { v: 4, eTag: '*' } });
      return { outcomes, final: (await storage.read(['k'])).k.v };
    };
    expect(await scenario(openStorage())).toEqual(await scenario(new MemoryStorage()));
  });

  test('a write of several keys is all or nothing when one conflicts', async () => {
    const storage = openStorage();
    await storage.write({ a: { v: 1 }, b: { v: 1 } });
    const { a, b } = await storage.read(['a', 'b']);
    await storage.write({ b: { ...b, v: 2 } }); // makes `b` stale
    await expect(storage.write({ a: { ...a, v: 'new' }, c: { v: 'new' }, b: { ...b, v: 3 } })).rejects.toThrow(
      'Storage: error writing "b" due to eTag conflict.',
    );
    const after = await storage.read(['a', 'b', 'c']);
    expect(after.a).toEqual({ v: 1, eTag: a.eTag });
    expect(after.b.v).toBe(2);
    expect(after.c).toBeUndefined();
  });

  test('values are JSON: Dates come back as ISO strings', async () => {
    const storage = openStorage();
    const when = new Date('2024-05-01T10:00:00.000Z');
    await storage.write({ k: { when, missing: undefined } });
    expect((await storage.read(['k'])).k).toEqual({ when: when.toISOString(), eTag: expect.any(String) });
  });

  test('rejects non-object items', async () => {
    const storage = openStorage();
    await expect(storage.write({ k: null })).rejects.toThrow(TypeError);
    await expect(storage.write({ k: 'text' })).rejects.toThrow(TypeError);
  });

  test('values and eTags survive closing and reopening the file', async () => {
    const first = openDatabase(file);
    const storage = new SqliteStorage(first);
    await storage.write({ [key]: { v: 'kept' }, gone: { v: 1 } });
    await storage.delete(['gone']);
    const before = (await storage.read([key]))[key];
    closeDatabase(first);

    const reopened = openStorage();
    expect(await reopened.read([key, 'gone'])).toEqual({ [key]: { v: 'kept', eTag: before.eTag } });
    // eTags keep increasing after reopen, so the old one is now stale.
    await reopened.write({ [key]: before });
    await expect(reopened.write({ [key]: before })).rejects.toThrow('eTag conflict');
  });

  test('two connections to one file see each other and detect conflicts', async () => {
    const one = openStorage();
    const two = openStorage();
    await one.write({ k: { v: 1 } });
    const seenByTwo = (await two.read(['k'])).k;
    await one.write({ k: { ...(await one.read(['k'])).k, v: 2 } });
    await expect(two.write({ k: { ...seenByTwo, v: 3 } })).rejects.toThrow('eTag conflict');
  });

  test('ConversationState and UserState round-trip through TestAdapter turns and a reopen', async () => {
    const makeAdapter = (storage: Storage) => {
      const conversationState = new ConversationState(storage);
      const userState = new UserState(storage);
      const turns = conversationState.createProperty<number>('turns');
      const profile = userState.createProperty<{ name?: string }>('profile');
      const adapter = new TestAdapter(async (context) => {
        const count = (await turns.get(context, 0)) + 1;
        await turns.set(context, count);
        const user = await profile.get(context, {});
        const text = context.activity.text ?? '';
        if (text.startsWith('name ')) user.name = text.slice(5);
        await profile.set(context, user);
        await context.sendActivity(`${count}:${user.name ?? '?'}`);
      });
      adapter.use(new AutoSaveStateMiddleware(conversationState, userState));
      return adapter;
    };

    const db = openDatabase(file);
    const storage = new SqliteStorage(db);
    await makeAdapter(storage).send('name 민수').assertReply('1:민수').send('hi').assertReply('2:민수');

    // Stored under botbuilder's usual keys (TestAdapter: channel "test", conversation "Convo1", user "user1").
    const stored = await storage.read(['test/conversations/Convo1/', 'test/users/user1/']);
    expect(stored['test/conversations/Convo1/'].turns).toBe(2);
    expect(stored['test/users/user1/'].profile).toEqual({ name: '민수' });
    closeDatabase(db);

    // A fresh adapter over the reopened file continues where the conversation left off.
    await makeAdapter(openStorage()).send('hi again').assertReply('3:민수');
  });
});
