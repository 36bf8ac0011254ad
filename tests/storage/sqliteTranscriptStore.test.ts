import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Activity, type ConversationAccount, TestAdapter, TranscriptLoggerMiddleware } from 'botbuilder';
import { type Database, closeDatabase, openDatabase } from '../../bot/storage/sqlite/database';
import { SqliteTranscriptStore, TRANSCRIPT_PAGE_SIZE } from '../../bot/storage/sqlite/transcripts';

let dir: string;
let file: string;
let db: Database;
let store: SqliteTranscriptStore;

const T0 = Date.parse('2024-05-01T00:00:00.000Z');

function message(conversationId: string, n: number, extra: Partial<Activity> = {}): Partial<Activity> {
  return {
    type: 'message',
    id: `${conversationId}-${n}`,
    channelId: 'webchat',
    conversation: { id: conversationId } as ConversationAccount,
    from: { id: 'u1', name: 'user', role: 'user' },
    text: `message ${n}`,
    timestamp: new Date(T0 + n * 1000),
    ...extra,
  };
}

async function logMany(conversationId: string, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) await store.logActivity(message(conversationId, n));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-transcript-'));
  file = join(dir, 'bot.db');
  db = openDatabase(file);
  store = new SqliteTranscriptStore(db);
});

afterEach(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteTranscriptStore', () => {
  test('pages through more than one page of activities in log order', async () => {
    await logMany('conv', 45);
    const seen: Partial<Activity>[] = [];
    const tokens: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await store.getTranscriptActivities('webchat', 'conv', token);
      seen.push(...page.items);
      token = page.continuationToken;
      tokens.push(token);
    } while (token);

    expect(tokens).toEqual(['20', '40', undefined]);
    expect(seen.map((a) => a.text)).toEqual(Array.from({ length: 45 }, (_, i) => `message ${i + 1}`));
    expect(seen[0].timestamp).toBeInstanceOf(Date);
    expect(seen[0].timestamp).toEqual(new Date(T0 + 1000));
  });

  test('a full last page still returns a token, then an empty page (as MemoryTranscriptStore)', async () => {
    await logMany('conv', TRANSCRIPT_PAGE_SIZE);
    const first = await store.getTranscriptActivities('webchat', 'conv');
    expect(first.items).toHaveLength(TRANSCRIPT_PAGE_SIZE);
    const second = await store.getTranscriptActivities('webchat', 'conv', first.continuationToken);
    expect(second).toEqual({ items: [], continuationToken: undefined });
  });

  test('startDate filters out earlier activities', async () => {
    await logMany('conv', 10);
    const page = await store.getTranscriptActivities('webchat', 'conv', undefined, new Date(T0 + 8000));
    expect(page.items.map((a) => a.id)).toEqual(['conv-8', 'conv-9', 'conv-10']);
  });

  test('unknown conversations give an empty page; bad arguments throw', async () => {
    expect(await store.getTranscriptActivities('webchat', 'nope')).toEqual({ items: [], continuationToken: undefined });
    await expect(store.getTranscriptActivities('', 'conv')).rejects.toThrow('Missing channelId');
    await expect(store.getTranscriptActivities('webchat', '')).rejects.toThrow('Missing conversationId');
    await expect(store.getTranscriptActivities('webchat', 'conv', 'not-a-number')).rejects.toThrow('Invalid continuation token');
    await expect(store.logActivity({ type: 'message' })).rejects.toThrow();
  });

  test('stores activities without id or timestamp, stamped now, without modifying them', async () => {
    const outgoing: Partial<Activity> = {
      type: 'message',
      channelId: 'webchat',
      conversation: { id: 'conv' } as ConversationAccount,
      from: { id: 'bot', name: 'bot', role: 'bot' },
      text: 'reply',
    };
    const before = Date.now();
    await store.logActivity(outgoing);
    await store.logActivity({ ...outgoing, text: 'reply 2' });
    expect(outgoing.timestamp).toBeUndefined();

    const { items } = await store.getTranscriptActivities('webchat', 'conv');
    expect(items.map((a) => a.text)).toEqual(['reply', 'reply 2']);
    expect(items[0].id).toBeUndefined();
    expect(items[0].timestamp!.getTime()).toBeGreaterThanOrEqual(before);
    expect(items[0].timestamp!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(db.prepare('SELECT role, type FROM transcript_activities LIMIT 1').get()).toEqual({ role: 'bot', type: 'message' });
  });

  test('logs a real turn through TranscriptLoggerMiddleware', async () => {
    const adapter = new TestAdapter(async (context) => {
      await context.sendActivity(`echo: ${context.activity.text}`);
    });
    adapter.use(new TranscriptLoggerMiddleware(store));
    await adapter.send('안녕하세요').assertReply('echo: 안녕하세요');

    const { items } = await store.getTranscriptActivities('test', 'Convo1');
    // The middleware sets role "user" on the incoming activity; TestAdapter's replies come from
    // { id: 'bot' } without a role, so the role column is null for them.
    expect(items.map((a) => [a.from.id, a.from.role, a.text])).toEqual([
      ['user1', 'user', '안녕하세요'],
      ['bot', undefined, 'echo: 안녕하세요'],
    ]);
    expect(items[1].id).toBeDefined(); // TestAdapter's ResourceResponse id
  });

  test('listTranscripts lists one channel, oldest first, paged by conversation id', async () => {
    for (let i = 0; i < 25; i++) {
      await store.logActivity(message(`conv-${String(i).padStart(2, '0')}`, i));
      await store.logActivity(message(`conv-${String(i).padStart(2, '0')}`, i + 100));
    }
    await store.logActivity(message('other-channel', 1, { channelId: 'msteams' }));

    const first = await store.listTranscripts('webchat');
    expect(first.items).toHaveLength(20);
    expect(first.items[0]).toEqual({ channelId: 'webchat', id: 'conv-00', created: new Date(T0) });
    expect(first.continuationToken).toBe('conv-19');
    const second = await store.listTranscripts('webchat', first.continuationToken);
    expect(second.items.map((t) => t.id)).toEqual(['conv-20', 'conv-21', 'conv-22', 'conv-23', 'conv-24']);
    expect(second.continuationToken).toBeUndefined();

    expect((await store.listTranscripts('msteams')).items.map((t) => t.id)).toEqual(['other-channel']);
    expect((await store.listTranscripts('none')).items).toEqual([]);
  });

  test('deleteTranscript removes only that conversation', async () => {
    await logMany('a', 3);
    await logMany('b', 2);
    await store.deleteTranscript('webchat', 'a');
    expect((await store.getTranscriptActivities('webchat', 'a')).items).toEqual([]);
    expect((await store.getTranscriptActivities('webchat', 'b')).items).toHaveLength(2);
    expect((await store.listTranscripts('webchat')).items.map((t) => t.id)).toEqual(['b']);
  });

  test('getRecentActivities returns the last N, oldest first', async () => {
    await logMany('conv', 30);
    await logMany('other', 5);
    const recent = await store.getRecentActivities('webchat', 'conv', 3);
    expect(recent.map((a) => a.id)).toEqual(['conv-28', 'conv-29', 'conv-30']);
    expect(recent[0].timestamp).toBeInstanceOf(Date);
    expect(await store.getRecentActivities('webchat', 'other', 50)).toHaveLength(5);
    expect(await store.getRecentActivities('webchat', 'conv', 0)).toEqual([]);
  });

  test('deleteOlderThan removes old activities across conversations and returns the count', async () => {
    await logMany('a', 10);
    await logMany('b', 4);
    expect(await store.deleteOlderThan(new Date(T0 + 5000))).toBe(4 + 4); // a-1..4 and b-1..4
    expect((await store.getTranscriptActivities('webchat', 'a')).items.map((a) => a.id)).toEqual(
      [5, 6, 7, 8, 9, 10].map((n) => `a-${n}`),
    );
    expect((await store.listTranscripts('webchat')).items.map((t) => t.id)).toEqual(['a']);
    expect(await store.deleteOlderThan(new Date(T0))).toBe(0);
  });

  test('transcripts survive closing and reopening the database', async () => {
    await logMany('conv', 3);
    closeDatabase(db);
    db = openDatabase(file);
    store = new SqliteTranscriptStore(db);
    await store.logActivity(message('conv', 4));
    const { items } = await store.getTranscriptActivities('webchat', 'conv');
    expect(items.map((a) => a.id)).toEqual(['conv-1', 'conv-2', 'conv-3', 'conv-4']);
  });
});
