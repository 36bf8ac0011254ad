// The turn's transcript is written before the turn ends (botbuilder's TranscriptLoggerMiddleware does
// not wait for it), in the order botbuilder's middleware logs it.
import { type Activity, type ConversationReference, MemoryTranscriptStore, TestAdapter, TranscriptLoggerMiddleware, type TurnContext } from 'botbuilder';
import { openSqliteStores } from '../../bot/storage/sqlite';
import { TurnTranscriptLogger } from '../../bot/storage/transcriptLogger';

const reference = {
  channelId: 'test',
  serviceUrl: 'https://test.com',
  conversation: { id: 'conv' },
  user: { id: 'seller', name: 'Seller' },
  bot: { id: 'bot', name: 'Bot' },
} as ConversationReference;

async function turn(context: TurnContext): Promise<void> {
  await context.sendActivity(`echo: ${context.activity.text}`);
  const sent = await context.sendActivity('second');
  await context.updateActivity({ id: sent?.id, type: 'message', text: 'second, edited', conversation: context.activity.conversation });
  await context.deleteActivity(sent!.id);
}

const shape = (activities: Partial<Activity>[]) => activities.map((a) => [a.type, a.from?.id ?? null, a.text ?? null]);

test('logs what botbuilder logs, in the same order, and the rows are stored when the turn has ended', async () => {
  const stores = openSqliteStores(':memory:');
  const ours = new TestAdapter(turn, reference);
  ours.use(new TurnTranscriptLogger(stores.transcripts));
  await ours.send('안녕하세요').startTest();
  // No waiting: the turn is over, so its rows are.
  const stored = (await stores.transcripts.getTranscriptActivities('test', 'conv')).items;

  const memory = new MemoryTranscriptStore();
  const theirs = new TestAdapter(turn, reference);
  theirs.use(new TranscriptLoggerMiddleware(memory));
  await theirs.send('안녕하세요').startTest();
  await new Promise((resolve) => setTimeout(resolve, 20)); // theirs is written after the turn
  const expected = (await memory.getTranscriptActivities('test', 'conv')).items;

  expect(shape(stored)).toEqual(shape(expected));
  expect(shape(stored).map(([type]) => type)).toEqual(['message', 'message', 'message', 'messageUpdate', 'messageDelete']);
  await stores.close();
});

test("the turn waits for the transcript write, and a failed write is logged without failing the seller's turn", async () => {
  let written: Partial<Activity>[] | undefined;
  const slow = {
    logActivities: async (activities: Partial<Activity>[]) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      written = activities;
    },
  };
  const adapter = new TestAdapter(reference);
  adapter.use(new TurnTranscriptLogger(slow));
  await adapter.processActivity({ type: 'message', text: 'hi' }, async (context) => void (await context.sendActivity('hello')));
  expect(written?.map((a) => a.text)).toEqual(['hi', 'hello']);

  const errors: unknown[] = [];
  const failing = new TestAdapter(reference);
  failing.use(new TurnTranscriptLogger({ logActivities: async () => Promise.reject(new Error('disk full')) }, { error: (fields: unknown) => void errors.push(fields) }));
  await failing.processActivity({ type: 'message', text: 'again' }, turn);
  expect(errors).toEqual([expect.objectContaining({ err: 'disk full' })]);
});
