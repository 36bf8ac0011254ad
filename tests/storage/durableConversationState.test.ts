// DurableConversationState: BotState's behaviour (per-turn cache, save only on change, clear, delete,
// force) with a JSON-text change check, stored in SqliteStorage and surviving a reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Activity, AutoSaveStateMiddleware, type TurnContext, TestAdapter } from 'botbuilder';
import { type Database, closeDatabase, openDatabase } from '../../bot/storage/sqlite/database';
import { DurableConversationState } from '../../bot/storage/durableConversationState';
import { SqliteStorage } from '../../bot/storage/sqlite/dialogState';

const KEY = 'test/conversations/Convo1/';
let dir: string;
let db: Database;
let storage: SqliteStorage;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-state-'));
  db = openDatabase(join(dir, 'bot.sqlite'));
  storage = new SqliteStorage(db);
});

afterEach(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

/** The stored row's eTag: it changes exactly when the state is written. */
const etagOf = async () => (await storage.read([KEY]))[KEY]?.eTag;

function adapterWith(state: DurableConversationState, logic: (context: TurnContext) => Promise<void>): TestAdapter {
  const adapter = new TestAdapter(async (context) => {
    await logic(context);
    await context.sendActivity('ok');
  });
  adapter.use(new AutoSaveStateMiddleware(state));
  return adapter;
}

test('counts turns across a reopen of the database, stored under botbuilder key without an eTag in the JSON', async () => {
  const turns = (state: DurableConversationState) => state.createProperty<number>('turns');
  const run = (state: DurableConversationState) =>
    adapterWith(state, async (context) => {
      const property = turns(state);
      await property.set(context, (await property.get(context, 0)) + 1);
    });
  await run(new DurableConversationState(storage)).send('a').assertReply('ok').send('b').assertReply('ok');
  expect(await storage.readJson(KEY)).toBe('{"turns":2}');

  closeDatabase(db);
  db = openDatabase(join(dir, 'bot.sqlite'));
  storage = new SqliteStorage(db);
  const state = new DurableConversationState(storage);
  await run(state).send('c').assertReply('ok');
  expect((await storage.read([KEY]))[KEY]).toMatchObject({ turns: 3 });
});

test('writes only when the state changed, always when forced', async () => {
  const state = new DurableConversationState(storage);
  const note = state.createProperty<string>('note');
  let change: string | undefined;
  await adapterWith(state, async (context) => {
    if (change !== undefined) await note.set(context, change);
    else await note.get(context);
  })
    .send('first')
    .assertReply('ok');
  expect(await etagOf()).toBeUndefined(); // nothing to store yet: no row

  change = 'x';
  await adapterWith(state, async (context) => void (await note.set(context, change))).send('set').assertReply('ok');
  const written = await etagOf();
  expect(written).toBeDefined();

  // Same value again: no write. A nested change inside an object is seen too.
  await adapterWith(state, async (context) => void (await note.set(context, 'x'))).send('same').assertReply('ok');
  expect(await etagOf()).toBe(written);

  const nested = state.createProperty<{ list: number[] }>('nested');
  await adapterWith(state, async (context) => {
    const value = await nested.get(context, { list: [] });
    value.list.push(1); // mutated in place, never set()
  })
    .send('mutate')
    .assertReply('ok');
  expect(JSON.parse((await storage.readJson(KEY))!)).toEqual({ note: 'x', nested: { list: [1] } });

  const beforeForce = await etagOf();
  const context = { activity: { channelId: 'test', conversation: { id: 'Convo1' } } as Activity, turnState: new Map() } as unknown as TurnContext;
  await state.load(context);
  await state.saveChanges(context, true);
  expect(await etagOf()).not.toBe(beforeForce);
});

test('clear() empties the stored state at the next save; delete() removes the row', async () => {
  const state = new DurableConversationState(storage);
  const note = state.createProperty<string>('note');
  await adapterWith(state, async (context) => void (await note.set(context, 'keep me?'))).send('a').assertReply('ok');
  expect(await storage.readJson(KEY)).toBe('{"note":"keep me?"}');

  await adapterWith(state, async (context) => {
    await state.load(context);
    await state.clear(context);
  })
    .send('clear')
    .assertReply('ok');
  expect(await storage.readJson(KEY)).toBe('{}');

  await adapterWith(state, async (context) => void (await note.set(context, 'again'))).send('b').assertReply('ok');
  await adapterWith(state, async (context) => state.delete(context)).send('delete').assertReply('ok');
  // AutoSave after delete() has nothing cached, so the row stays gone.
  expect(await storage.readJson(KEY)).toBeUndefined();
});

test('get() returns the turn’s cached state, undefined before load', async () => {
  const state = new DurableConversationState(storage);
  const seen: unknown[] = [];
  await adapterWith(state, async (context) => {
    seen.push(state.get(context));
    await state.load(context);
    seen.push(state.get(context));
  })
    .send('a')
    .assertReply('ok');
  expect(seen).toEqual([undefined, {}]);
});
